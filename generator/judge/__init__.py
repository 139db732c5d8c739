"""judge: the school's judgements applied to the checked records — derive (per-pupil facts), analysis (cohorts), clock (the as-of moment).

May import: `rules/` and `sources/` (for the record types). `derive` and `analysis` do no I/O and never read the clock;
only `clock` looks at git or the environment, and only to choose the as-of date.
"""
