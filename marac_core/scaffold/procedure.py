"""``marac new-procedure``: a new procedure package that installs, is listed and passes its own tests."""

from __future__ import annotations

import re
from pathlib import Path

from marac_core.scaffold import RESERVED, ScaffoldError

PROCEDURE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def check_procedure_name(name: str) -> None:
    if not PROCEDURE_NAME.match(name) or not 2 <= len(name) <= 40:
        raise ScaffoldError(f"{name!r} is not a procedure name: use 2-40 lowercase letters and digits in words "
                            "joined by single hyphens, starting with a letter (e.g. kent-probation)")
    if name in RESERVED:
        raise ScaffoldError(f"{name!r} is reserved; choose another procedure name")
    from importlib import metadata

    from marac_core.plugins.registry import load

    if name in load().procedures:
        raise ScaffoldError(f"a procedure named {name!r} is already installed")
    if name in {ep.name for ep in metadata.entry_points(group="marac")}:
        raise ScaffoldError(f"a marac plugin named {name!r} is already installed")


def render(template: str, name: str, title: str) -> str:
    ident = name.replace("-", "_")
    values = {
        "<<name>>": name,
        "<<module>>": "marac_" + ident,
        "<<dist>>": "marac-" + name,
        "<<Class>>": "".join(part.capitalize() for part in name.split("-")) + "Procedure",
        "<<title>>": title.replace("\\", "\\\\").replace('"', "'"),
    }
    for placeholder, value in values.items():
        template = template.replace(placeholder, value)
    return template


def generate_procedure(name: str, directory: Path, title: str | None = None) -> tuple[Path, list[Path]]:
    """Write the package ``directory/NAME``; return its root and the files written."""
    from marac_core.scaffold.procedure_templates import FILES

    check_procedure_name(name)
    root = directory / name
    if root.exists() and any(root.iterdir()):
        raise ScaffoldError(f"{root} already exists and is not empty")
    title = " ".join((title or f"{name} MARAC procedure").split())
    written = []
    for relative, template in FILES.items():
        path = root / render(relative, name, title)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(template, name, title), encoding="utf-8")
        written.append(path)
    return root, written
