"""history: the audit trail from git — git (one pass over the repository's log and old versions), fielddiff (what each commit changed, in words).

May import: `rules/` and `sources/`. Reads git; never writes.
"""
