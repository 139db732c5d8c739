"""rules: the school's judgements as pure functions (no I/O, no clock, no pydantic, no Jinja); `today` is always passed in."""
