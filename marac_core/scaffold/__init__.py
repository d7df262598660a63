"""``marac new-adapter``: a new adapter package that installs, registers and passes the conformance kit.

The templates are string constants (marac_core.scaffold.templates), so the
core needs no package data for them.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
# Names the core already gives a meaning to in plans (system "email", "manual").
RESERVED = frozenset({"email", "manual", "core", "testing", "sandbox"})


class ScaffoldError(ValueError):
    """The name or the target directory cannot be used; the message says why."""


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name) or name.endswith("_") or "__" in name:
        raise ScaffoldError(f"{name!r} is not a system name: use 2-31 lowercase letters, digits and single "
                            "underscores, starting with a letter (e.g. emis, rio, mosaic)")
    if keyword.iskeyword(name) or name in RESERVED:
        raise ScaffoldError(f"{name!r} is reserved; choose another system name")
    from importlib import metadata

    installed = {ep.name for ep in metadata.entry_points(group="marac")}
    if name in installed:
        raise ScaffoldError(f"an adapter plugin named {name!r} is already installed")


def fill(template: str, values: dict[str, str]) -> str:
    """A template with each ``<<placeholder>>`` replaced by its value."""
    for placeholder, value in values.items():
        template = template.replace(placeholder, value)
    return template


def write_package(root: Path, files: dict[str, str], values: dict[str, str]) -> list[Path]:
    """Write the templates ``files`` (relative path -> text, both filled from ``values``) under ``root``,
    which must not hold anything yet; return the files written."""
    if root.exists() and any(root.iterdir()):
        raise ScaffoldError(f"{root} already exists and is not empty")
    written = []
    for relative, template in files.items():
        path = root / fill(relative, values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(fill(template, values), encoding="utf-8")
        written.append(path)
    return written


def render(template: str, name: str, title: str) -> str:
    return fill(template, _values(name, title))


def _values(name: str, title: str) -> dict[str, str]:
    return {
        "<<name>>": name,
        "<<dist>>": "marac-" + name.replace("_", "-"),
        "<<Class>>": "".join(part.capitalize() for part in name.split("_")),
        "<<PREFIX>>": name.replace("_", "").upper(),
        "<<title>>": title.replace("\\", "\\\\").replace('"', "'"),
    }


def generate(name: str, directory: Path, title: str | None = None) -> tuple[Path, list[Path]]:
    """Write the package ``directory/name``; return its root and the files written."""
    from marac_core.scaffold.templates import FILES

    check_name(name)
    root = directory / name
    title = (title or f"{name} record system").strip()
    return root, write_package(root, FILES, _values(name, title))
