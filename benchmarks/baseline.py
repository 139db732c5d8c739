"""The floor for HTML: a bare YAML + Jinja loop over a school's pupil files, one page per pupil.

    python benchmarks/baseline.py SCHOOL OUT

It reads each `pupils/*.yaml` with PyYAML (the C loader when present), and
renders one generic Jinja template (autoescaped) that shows every field of
the record as nested lists, writing one HTML file per pupil. No validation,
no judgements, no links between pages: what a first script would do. It
prints JSON: pages, seconds, ms per page. `html_bench.py` compares
mentorsite's HTML stage with it in the same run.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import jinja2
import yaml

TEMPLATE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{{ record.first_name }} {{ record.last_name }}</title></head>
<body><main><h1>{{ record.first_name }} {{ record.last_name }}</h1>
{% macro show(value) -%}
{%- if value is mapping -%}<dl>{% for k, v in value.items() %}<dt>{{ k }}</dt><dd>{{ show(v) }}</dd>{% endfor %}</dl>
{%- elif value is iterable and value is not string -%}<ul>{% for v in value %}<li>{{ show(v) }}</li>{% endfor %}</ul>
{%- else -%}{{ value }}{%- endif -%}
{%- endmacro %}
{{ show(record) }}
</main></body></html>
"""


def run(school: Path, out: Path) -> dict[str, float]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    env = jinja2.Environment(autoescape=True, loader=jinja2.DictLoader({"page.html": TEMPLATE}))
    template = env.get_template("page.html")
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    pages = 0
    for path in sorted((school / "pupils").glob("*.yaml")):
        record = yaml.load(path.read_text("utf-8"), Loader=loader)
        (out / f"{path.stem}.html").write_text(template.render(record=record), "utf-8")
        pages += 1
    seconds = time.perf_counter() - started
    return {"pages": pages, "seconds": round(seconds, 3), "ms_per_page": round(1000 * seconds / max(pages, 1), 3)}


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), Path(sys.argv[2]))))
