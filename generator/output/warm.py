"""warm: imported once by the fork server local workers are forked from (`executors.start_local_workers`).

Importing it imports WeasyPrint and renders one small document (`pdf.warm_up`),
so every worker forked afterwards starts with the import done and the font
caches filled. The server runs no threads, so forking it is safe. If the
warm-up fails here, it is left to each worker's own `warm_up`, which reports
the error where a build sees it (the server would only die silently).
"""

from __future__ import annotations

import contextlib

from generator.output import pdf

with contextlib.suppress(Exception):  # reported by the worker's own warm-up instead (see above)
    pdf.warm_up()
