"""editorschema: JSON Schemas of site.yaml and pupil files, generated from the pydantic models, for editors (yaml-language-server).

It must not be a second definition of the input shapes: everything comes
from schema.py. The only additions are the short forms the models accept
before validation (`maths: "5"` for a target, a bare number for a grade,
'cross' for 'X'), so an editor does not underline what `check` accepts.
`check` stays the judge: a schema cannot see scales, staff or half terms.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from generator.sources import schema

NUMBER: JsonSchemaValue = {"type": "number"}
SHORT_FORMS: dict[str, JsonSchemaValue] = {
    "_grade_text": NUMBER,
    "_plain_text": NUMBER,
    "_scale_entry": {"type": ["string", "number"], "description": "a grade label on its own"},
    "_target_entry": {"type": ["string", "number"], "description": "the target grade on its own, e.g. \"5\""},
    "_criterion_mark": {"type": "string", "pattern": "^\\s*(?i:dot|line|cross|x)\\s*$"},
    "_upn_upper": {"type": "string", "pattern": "^\\s*[A-Za-z][0-9]{11}[0-9A-Za-z]\\s*$"},
}
"""Each before-validator in schema.py by name → the extra input shape it turns into the model's own."""

FILES: dict[str, type[BaseModel]] = {"site.schema.json": schema.Site, "pupil.schema.json": schema.Pupil}


class _WithShortForms(GenerateJsonSchema):
    def function_before_schema(self, schema_: core_schema.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        inner = super().function_before_schema(schema_)
        function = schema_.get("function", {}).get("function")
        short = SHORT_FORMS.get(getattr(function, "__name__", ""))
        if short is None:
            return inner
        return {"anyOf": [inner, short]}


def generate(model: type[BaseModel], name: str) -> dict[str, Any]:
    out = model.model_json_schema(by_alias=True, mode="validation", schema_generator=_WithShortForms)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://mentorsite.invalid/schemas/{name}", **out}


def text(name: str) -> str:
    """The committed file's exact text: sorted keys, two-space indent, a final newline."""
    return json.dumps(generate(FILES[name], name), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
