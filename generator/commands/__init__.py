"""commands: the `mentorsite` command line and the long-running or side commands (cli, serve, sample).

May import anything below it (`build`, `output`, `views`, `judge`, `history`, `sources`, `rules`). `cli` is the only
module that prints or exits.
"""
