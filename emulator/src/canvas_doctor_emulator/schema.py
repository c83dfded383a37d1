"""A small JSON-schema subset validator that words its findings like Bedrock does.

Bedrock validates InvokeModel bodies with the everit JSON-schema library and answers
    400 ValidationException "Malformed input request: <violations>, please reformat your input and try again."
where <violations> are everit messages joined with no separator, e.g. (seen in public bug reports):
    "#: required key [prompt] not found#: extraneous key [messages] is not permitted"
    "#/max_tokens: 10000 is not less or equal to 4096"
The contract's own example: "#/imageGenerationConfig: extraneous key [stream] is not permitted".
Within one object: required keys first, then extraneous keys, then each property in schema order.

Schemas are plain dicts: {"type": "object", "properties": {...}, "required": [...],
"additionalProperties": False}, {"type": "string", "minLength", "maxLength", "enum", "pattern"},
{"type": "integer"|"number", "minimum", "maximum"}, {"type": "array", "items", "minItems",
"maxItems"}, {"type": "boolean"}; a schema without "type" accepts anything.
"""

from __future__ import annotations

import re
from typing import Any

_EXPECTED = {
    "object": "JSONObject",
    "array": "JSONArray",
    "string": "String",
    "integer": "Integer",
    "number": "Number",
    "boolean": "Boolean",
}


def _found(value: Any) -> str:
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "JSONArray"
    if isinstance(value, dict):
        return "JSONObject"
    return type(value).__name__


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return True


def _num(value: float) -> str:
    return str(value)


def validate(value: Any, schema: dict, pointer: str = "#") -> list[str]:
    """Every violation, in everit's wording ("#/a/b: ..."), in a stable order."""
    kind = schema.get("type")
    if kind and not _type_ok(value, kind):
        return [f"{pointer}: expected type: {_EXPECTED[kind]}, found: {_found(value)}"]
    out: list[str] = []
    if kind == "object":
        props: dict = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                out.append(f"{pointer}: required key [{key}] not found")
        if schema.get("additionalProperties", True) is False:
            for key in value:
                if key not in props:
                    out.append(f"{pointer}: extraneous key [{key}] is not permitted")
        for key, sub in props.items():
            if key in value:
                out.extend(validate(value[key], sub, f"{pointer}/{key}"))
    elif kind == "array":
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(f"{pointer}: expected minimum item count: {schema['minItems']}, found: {len(value)}")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(f"{pointer}: expected maximum item count: {schema['maxItems']}, found: {len(value)}")
        if "items" in schema:
            for i, item in enumerate(value):
                out.extend(validate(item, schema["items"], f"{pointer}/{i}"))
    elif kind == "string":
        if "minLength" in schema and len(value) < schema["minLength"]:
            out.append(f"{pointer}: expected minLength: {schema['minLength']}, actual: {len(value)}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(f"{pointer}: expected maxLength: {schema['maxLength']}, actual: {len(value)}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{pointer}: string [{value}] does not match pattern {schema['pattern']}")
    elif kind in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(f"{pointer}: {_num(value)} is not greater or equal to {_num(schema['minimum'])}")
        if "maximum" in schema and value > schema["maximum"]:
            out.append(f"{pointer}: {_num(value)} is not less or equal to {_num(schema['maximum'])}")
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{pointer}: {value} is not a valid enum value")
    return out


def malformed(violations: list[str]) -> str:
    """Bedrock's wrapper around the joined violations."""
    return f"Malformed input request: {''.join(violations)}, please reformat your input and try again."
