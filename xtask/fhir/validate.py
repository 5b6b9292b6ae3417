#!/usr/bin/env python3
"""Validate FHIR R4 (4.0.1) JSON resources with an independent FHIR model.

Usage: python validate.py FILE...

Each FILE holds one FHIR resource as JSON (a Questionnaire, a Bundle, ...);
the model class is chosen from its ``resourceType``. Every problem is printed
on stdout as ``FILE: path: message`` (path like ``item[4].item[3].maxValue``)
and the exit status is 1; with no problem the exit status is 0 and one
summary line is printed. Exit status 2 means the validator itself could not
run (wrong package version, no file given).

Why this package and version
----------------------------
``fhir.resources`` (pydantic models generated from the official FHIR
StructureDefinitions) is the most complete Python FHIR model on PyPI, but
only its **6.x releases up to 6.4.0** model **R4 4.0.1**: 6.5.0 moved the
default package to R4B (4.3.0), 7.x/8.x to R5 (with R4B and STU3
subpackages only, no R4). So we pin ``fhir.resources==6.4.0``, which needs
pydantic 1.x (pinned 1.10.x; it does not run on pydantic 2). The script
refuses to run unless the package reports FHIR version 4.0.1.

Out of the box it rejects unknown elements (``extra = forbid``) and
validates cardinality, required elements, choice-type ``[x]`` exclusivity,
references, date formats and every resource nested in ``Bundle.entry`` /
``contained`` (by its ``resourceType``). ``fhirclient`` 4.x (also R4
4.0.1) was tried too: it checks JSON types strictly but misses missing
required elements and ``[x]`` exclusivity, so it is not used.

Where pydantic 1 is lax, this script adds the R4 JSON rules itself, walking
the same model's field definitions (nothing project-specific):

- JSON types of primitives (``"5"`` is not an integer, ``"yes"`` not a
  boolean, ``1.5`` not an integer, ``5`` not a string);
- the R4 regular expressions and ranges of the primitive types
  (dateTime needs a time zone when it has a time, seconds are required,
  ``uri`` has no whitespace, 32-bit ``integer``, ...);
- no ``null``, empty string, empty array or empty object;
- codes with a required binding listed by the model (``enum_values``):
  e.g. ``Questionnaire.status``, ``QuestionnaireItemEnableWhen.operator``,
  ``Patient.gender``; the model truncates a few long lists with ``+``, which
  are completed below from the R4 spec;
- unknown ``resourceType`` values (the model raises instead of reporting).

Not checked: invariants (FHIRPath constraints such as que-1), terminology
beyond those required code lists, and profiles (UK Core); those need the
HL7 Java validator.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, Dict, List, Tuple

try:
    import fhir.resources as fr
    from fhir.resources import fhirtypes as ft
    from fhir.resources import get_fhir_model_class
    from fhir.resources.resource import Resource
    from pydantic import ValidationError
    from pydantic.fields import SHAPE_SINGLETON
except ImportError as e:  # pragma: no cover
    sys.stderr.write(
        f"validate.py: cannot import the FHIR model ({e}); "
        "install it with: pip install -r xtask/fhir/requirements.txt\n"
    )
    sys.exit(2)

FHIR_VERSION = "4.0.1"

# Regular expressions of the R4 primitive types (http://hl7.org/fhir/R4/datatypes.html).
_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_TZ = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
_DAY = r"(0[1-9]|[1-2][0-9]|3[0-1])"
_MONTH = r"(0[1-9]|1[0-2])"
PATTERNS = {
    "date": _YEAR + r"(-" + _MONTH + r"(-" + _DAY + r")?)?",
    "dateTime": _YEAR + r"(-" + _MONTH + r"(-" + _DAY + r"(T" + _TIME + _TZ + r")?)?)?",
    "instant": _YEAR + "-" + _MONTH + "-" + _DAY + "T" + _TIME + _TZ,
    "time": _TIME,
    "code": r"[^\s]+(\s[^\s]+)*",
    "id": r"[A-Za-z0-9\-\.]{1,64}",
    "uri": r"\S*",
    "url": r"\S*",
    "canonical": r"\S*",
    "oid": r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+",
    "uuid": r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "base64Binary": r"(\s*([0-9a-zA-Z\+/=]){4}\s*)+",
}
PATTERNS = {k: re.compile(v) for k, v in PATTERNS.items()}

# fhirtypes class -> FHIR primitive type name.
PRIMITIVES = {
    bool: "boolean",
    ft.Boolean: "boolean",
    ft.Integer: "integer",
    ft.UnsignedInt: "unsignedInt",
    ft.PositiveInt: "positiveInt",
    ft.Decimal: "decimal",
    ft.String: "string",
    ft.Markdown: "markdown",
    ft.Xhtml: "xhtml",
    ft.Code: "code",
    ft.Id: "id",
    ft.Uri: "uri",
    ft.Url: "url",
    ft.Canonical: "canonical",
    ft.Oid: "oid",
    ft.Uuid: "uuid",
    ft.Base64Binary: "base64Binary",
    ft.Date: "date",
    ft.DateTime: "dateTime",
    ft.Instant: "instant",
    ft.Time: "time",
}

# Required-binding code lists that fhir.resources 6.4.0 truncates with "+"
# (completed from the R4 value sets item-type, observation-status,
# encounter-status).
FULL_ENUMS = {
    ("QuestionnaireItem", "type"): [
        "group", "display", "boolean", "decimal", "integer", "date", "dateTime",
        "time", "string", "text", "url", "choice", "open-choice", "attachment",
        "reference", "quantity",
    ],
    ("Observation", "status"): [
        "registered", "preliminary", "final", "amended", "corrected",
        "cancelled", "entered-in-error", "unknown",
    ],
    ("Encounter", "status"): [
        "planned", "arrived", "triaged", "in-progress", "onleave", "finished",
        "cancelled", "entered-in-error", "unknown",
    ],
    ("EncounterStatusHistory", "status"): [
        "planned", "arrived", "triaged", "in-progress", "onleave", "finished",
        "cancelled", "entered-in-error", "unknown",
    ],
}

Problems = List[Tuple[str, str]]

_ALIASES: Dict[type, Dict[str, Any]] = {}


def fields_by_alias(cls: type) -> Dict[str, Any]:
    """The model's fields keyed by their JSON name (``linkId``, ``_linkId``)."""
    if cls not in _ALIASES:
        _ALIASES[cls] = {f.alias: f for f in cls.__fields__.values()}
    return _ALIASES[cls]


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def loc_to_path(loc: Tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if part == "__root__":
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = join(out, str(part))
    return out or "(root)"


def model_for(resource_type: Any):
    if not isinstance(resource_type, str):
        return None
    try:
        cls = get_fhir_model_class(resource_type)
    except Exception:
        return None
    # Only resources (not data types or backbone elements) may stand here.
    return cls if issubclass(cls, Resource) else None


def check_primitive(cls: type, field: Any, value: Any, path: str, out: Problems) -> None:
    kind = PRIMITIVES.get(field.type_)
    if kind is None:
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            out.append((path, f"wrong JSON type: boolean expected, got {json_type(value)}"))
        return
    if kind in ("integer", "unsignedInt", "positiveInt"):
        if isinstance(value, bool) or not isinstance(value, int):
            out.append((path, f"wrong JSON type: {kind} expected (a JSON integer), got {json_type(value)}"))
            return
        low = {"integer": -(2**31), "unsignedInt": 0, "positiveInt": 1}[kind]
        if not low <= value <= 2**31 - 1:
            out.append((path, f"{value} is out of range for {kind}"))
        return
    if kind == "decimal":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append((path, f"wrong JSON type: decimal expected (a JSON number), got {json_type(value)}"))
        return
    if not isinstance(value, str):
        out.append((path, f"wrong JSON type: {kind} expected (a JSON string), got {json_type(value)}"))
        return
    if value == "":
        out.append((path, "empty string is not allowed in FHIR JSON"))
        return
    pattern = PATTERNS.get(kind)
    if pattern is not None and not pattern.fullmatch(value):
        out.append((path, f"{value!r} is not a valid FHIR R4 {kind}"))
        return
    enum = FULL_ENUMS.get((cls.__name__, field.name)) or field.field_info.extra.get("enum_values")
    if enum and "+" not in enum and "etc." not in enum and value not in enum:
        out.append((path, f"{value!r} is not one of the R4 codes {enum}"))


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def check_value(cls: type, field: Any, value: Any, path: str, out: Problems) -> None:
    rt = getattr(field.type_, "__resource_type__", None)
    if rt is None:
        check_primitive(cls, field, value, path, out)
        return
    if not isinstance(value, dict):
        return  # the model reports it
    if field.type_ is ft.ResourceType:
        sub = model_for(value.get("resourceType"))
        if sub is None:
            out.append((join(path, "resourceType"), f"unknown FHIR R4 resourceType {value.get('resourceType')!r}"))
            return
    else:
        try:
            sub = get_fhir_model_class(rt)
        except Exception:
            return
    walk(sub, value, path, out)


def walk(cls: type, data: Any, path: str, out: Problems) -> None:
    """The JSON rules pydantic 1 lets through, on ``data`` read as ``cls``."""
    if not isinstance(data, dict):
        return
    if not data:
        out.append((path or "(root)", "empty object is not allowed in FHIR JSON"))
        return
    fields = fields_by_alias(cls)
    for key, value in data.items():
        if key == "resourceType":
            continue
        field = fields.get(key)
        if field is None:
            continue  # unknown element: the model reports it
        p = join(path, key)
        if value is None:
            out.append((p, "null is not allowed in FHIR JSON"))
            continue
        if field.shape == SHAPE_SINGLETON:
            check_value(cls, field, value, p, out)
            continue
        if not isinstance(value, list):
            continue  # the model reports it
        if not value:
            out.append((p, "empty array is not allowed in FHIR JSON"))
            continue
        # Nulls inside a primitive array are allowed only to line up with
        # its `_name` (extension) twin.
        twin = key[1:] if key.startswith("_") else "_" + key
        for i, item in enumerate(value):
            if item is None:
                if twin not in data:
                    out.append((f"{p}[{i}]", "null is not allowed in FHIR JSON"))
                continue
            check_value(cls, field, item, f"{p}[{i}]", out)


def model_message(err: Dict[str, Any]) -> str:
    if err.get("type") == "value_error.extra":
        return "unknown element: not part of FHIR R4 here"
    if err.get("type") == "value_error.missing":
        return "required element is missing"
    return str(err.get("msg"))


def validate(data: Any) -> Problems:
    if not isinstance(data, dict):
        return [("(root)", "not a JSON object")]
    rtype = data.get("resourceType")
    cls = model_for(rtype)
    if cls is None:
        return [("resourceType", f"missing or unknown FHIR R4 resourceType {rtype!r}")]
    out: Problems = []
    walk(cls, data, "", out)
    model: Problems = []
    try:
        cls.parse_obj(without_unknown_resources(data, True))
    except ValidationError as e:
        model = [(loc_to_path(err["loc"]), model_message(err)) for err in e.errors()]
    except Exception as e:  # pragma: no cover - the model crashed
        model = [("(root)", f"the FHIR model failed: {type(e).__name__}: {e}")]
    # The model's report first; ours only where the model said nothing.
    flagged = {path for path, _ in model}
    return model + [p for p in out if p[0] not in flagged]


# Stands in for a nested resource of unknown type (already reported), so the
# model can check the rest instead of raising.
PLACEHOLDER = {"resourceType": "Basic", "code": {"text": "unknown resource"}}


def without_unknown_resources(data: Any, root: bool = False) -> Any:
    if isinstance(data, list):
        return [without_unknown_resources(v) for v in data]
    if not isinstance(data, dict):
        return data
    if not root and "resourceType" in data and model_for(data["resourceType"]) is None:
        return dict(PLACEHOLDER)
    return {k: without_unknown_resources(v) for k, v in data.items()}


def main(argv: List[str]) -> int:
    if fr.__fhir_version__ != FHIR_VERSION:
        sys.stderr.write(
            f"validate.py: fhir.resources {fr.__version__} models FHIR {fr.__fhir_version__}, "
            f"not R4 {FHIR_VERSION}: install xtask/fhir/requirements.txt\n"
        )
        return 2
    if not argv:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    total = 0
    for name in argv:
        try:
            with open(name, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            problems = [("(file)", f"cannot read JSON: {e}")]
        else:
            problems = validate(data)
        for path, msg in problems:
            print(f"{name}: {path}: {msg}")
        total += len(problems)
    if total:
        sys.stderr.write(f"FHIR R4 validation: {total} problem(s) in {len(argv)} file(s)\n")
        return 1
    print(f"FHIR R4 ({FHIR_VERSION}) validation: {len(argv)} file(s), no problems (fhir.resources {fr.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
