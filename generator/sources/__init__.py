"""sources: reading and checking the school's files — load (YAML/Markdown with positions), schema, validate, inputs, letters, markup, diagnostics.

May import: `rules/` and the standard library and input libraries (PyYAML, pydantic, Markdown, nh3). Never imports
`judge`, `views`, `output`, `history` or `commands`, and never writes a file.
"""
