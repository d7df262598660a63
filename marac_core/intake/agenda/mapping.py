"""The mapping file: which field each heading of an area's agenda is, so odd headings are mapped once.

    # marac import: what each heading of the agenda was read as (edit, then pass with --mapping)
    MARAC No.: ref
    Adult at risk: victim.name
    DOB: [victim.dob, perpetrator.dob]   # a heading written more than once: one field each time, in order
    Notes: ignore

Headings the mapping does not name are still recognised by their meaning.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from marac_core.intake.agenda.headings import (
    ATTRIBUTES,
    CASE_FIELDS,
    ROLES,
    Field,
    normalise,
    parse_field,
)
from marac_core.intake.agenda.layout import Mapping
from marac_core.model.errors import InputError

HEADER = ("# marac import: what each heading of the agenda was read as.\n"
          "# Edit a line to correct it (fields: ref, referring_agency, role, ignore, victim.name,\n"
          "# perpetrator.dob, children.name, children[2].dob, person.nhs_number, ...), then pass this\n"
          "# file with --mapping. A heading written more than once takes a list, one field each time.\n")


def known_fields() -> list[str]:
    fields = list(CASE_FIELDS)
    for role in (*ROLES, "person"):
        fields += [f"{role}.{attribute}" for attribute in ATTRIBUTES]
    return fields


def load_mapping(path: Path) -> Mapping:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise InputError(str(path), "not valid YAML") from exc
    if not isinstance(data, dict) or not data:
        raise InputError(str(path), "expected a mapping of heading to field (heading: victim.name)")
    mapping: Mapping = {}
    for heading, value in data.items():
        values = value if isinstance(value, list) else [value]
        fields: list[Field] = []
        for item in values:
            parsed = parse_field(str(item)) if isinstance(item, str) else None
            if parsed is None:
                nearest = difflib.get_close_matches(str(item), known_fields(), n=1)
                hint = f" (nearest: {nearest[0]})" if nearest else ""
                raise InputError(str(path), f"{item!r} is no field{hint}", str(heading))
            fields.append(parsed)
        if not fields:
            raise InputError(str(path), "no field given", str(heading))
        mapping[normalise(str(heading))] = fields
    return mapping


def dump_mapping(recognised: dict[str, Any]) -> str:
    import yaml

    return HEADER + yaml.safe_dump(recognised, sort_keys=False, allow_unicode=True, default_flow_style=None)
