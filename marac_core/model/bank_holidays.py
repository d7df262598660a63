"""England's bank holidays for a year: worked out by the holidays package, kept in the user's cache folder.

Working out a year imports every one of the package's 280 or so countries: 0.1 to 0.2 s of CPU in
every command that gives a due time. The dates are public (no one's personal data) and the same for
every run with the same version of the package, so the years worked out are kept in platformdirs'
user cache folder, under that version, and later runs read them back in well under a millisecond. A
new version of the package (a bank holiday announced, a rule mended) is never answered from the
cache of an older one. A cache that cannot be read or written costs only the time: the dates are
worked out again.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

SUBDIVISION = "ENG"  # the procedures' working days are England's
_FILE = "bank-holidays-england.json"


def of_year(year: int) -> frozenset[dt.date]:
    """The bank holidays of ``year`` in England."""
    version = _package_version()
    if not version:  # a version that cannot be told: no cache can be known to be the package's
        return _worked_out(year)
    kept = _read()
    if kept.get("holidays") != version:
        kept = {"holidays": version, "subdivision": SUBDIVISION, "years": {}}
    days = _dates(kept["years"].get(str(year)))
    if days is None:
        days = _worked_out(year)
        kept["years"][str(year)] = sorted(d.isoformat() for d in days)
        _write(kept)
    return days


def cache_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("marac")) / _FILE


def _worked_out(year: int) -> frozenset[dt.date]:
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv=SUBDIVISION, years=year).keys())


@functools.cache  # asked once a run, not once for each year
def _package_version() -> str:
    """The installed holidays package's version, from the Version line at the head of its metadata.

    importlib.metadata's ``version`` parses the whole metadata file (the package's long description
    among it) as an e-mail message: about 2.5 ms, against 0.2 ms to read the few lines of its head.
    """
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        text = distribution("holidays").read_text("METADATA") or ""
    except PackageNotFoundError:  # run from a source tree: never trust a cache
        return ""
    for line in text.splitlines():
        if not line:  # the head ends at its first empty line
            break
        if line.startswith("Version:"):
            return line.partition(":")[2].strip()
    return ""


def _read() -> dict[str, Any]:
    try:
        kept = json.loads(cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    good = (isinstance(kept, dict) and kept.get("subdivision") == SUBDIVISION
            and isinstance(kept.get("years"), dict))
    return kept if good else {}


def _dates(listed: Any) -> frozenset[dt.date] | None:
    """A year's dates as kept, or None where they are missing or damaged (then they are worked out)."""
    if not isinstance(listed, list) or not listed:
        return None
    try:
        return frozenset(dt.date.fromisoformat(d) for d in listed)
    except (TypeError, ValueError):
        return None


def _write(kept: dict[str, Any]) -> None:
    """Replace the cache at once (a run reading it at the same moment sees the old or the new, whole)."""
    path = cache_file()
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".bank-holidays-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(kept, out)
        os.replace(temporary, path)
        temporary = None
    except OSError:
        pass  # a read-only or full disk: the next run works the dates out again
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
