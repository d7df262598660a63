"""The --json output of the commands whose answers grow with the meeting (plan, apply, status).

The standard library writes indented JSON in pure Python: seconds for a 10,000-case plan. orjson
writes the same text (two-space indents, ": " and ", " as json.dumps(indent=2) does, non-ASCII
as it is) from C. A float of exponent form is written 1e-8 where json writes 1e-08: the same number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson


def json_text(data: Any, default: Callable[[Any], Any] | None = None) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False, default=default)``, written by orjson."""
    # Dates and dataclasses go to ``default`` as json.dumps sends them (orjson would write its own form).
    options = (orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
               | orjson.OPT_PASSTHROUGH_DATACLASS)
    return orjson.dumps(data, default=default, option=options).decode()
