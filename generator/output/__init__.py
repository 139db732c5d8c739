"""output: turning views into files — plan (every output path), render (Jinja), pdf (WeasyPrint workers), search (Pagefind), write (staging and swap).

May import: `views/`, `judge/`, `sources/`, `rules/`. The only package that writes under --out.
"""
