"""The plugin authors' contract: one public API module, and a layout with no import going upward.

If a plugin reached into the core's internals, a release that moved a module would break every
agency's installed adapters; if the core's stages imported each other in a circle, no stage could be
understood (or tested) on its own.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import marac_core.api as api

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "marac_core"
ALLOWED_FOR_PLUGINS = ("marac_core.api", "marac_core.testing")


def _imports(path: Path, *, runtime_only: bool = False) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    guarded: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                guarded |= {id(n) for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def _template_imports(text: str) -> list[str]:
    return [line.split()[1] for line in text.splitlines() if line.strip().startswith(("from marac_core", "import marac_core"))]


def plugin_sources() -> list[Path]:
    shipped = [p for p in (ROOT / "plugins").rglob("*.py") if ".venv" not in p.parts]
    return shipped + sorted((CORE / "builtin").glob("*.py"))


def test_every_public_name_resolves_and_says_what_it_is_for() -> None:
    for name, (home, doc) in api.EXPORTS.items():
        assert getattr(api, name) is not None, name
        assert doc and "\n" not in doc and doc[0].isupper(), f"{name}: one line saying what it is for"
        assert importlib.import_module(home)


def test_the_type_checking_block_names_exactly_the_public_api() -> None:
    tree = ast.parse((CORE / "api.py").read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))
    typed = {alias.asname or alias.name for node in ast.walk(block) if isinstance(node, ast.ImportFrom)
             for alias in node.names}
    assert typed == set(api.EXPORTS)


@pytest.mark.parametrize("path", plugin_sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_plugins_and_shipped_procedures_import_the_core_only_through_the_public_api(path: Path) -> None:
    outside = [(line, module) for line, module in _imports(path)
               if module.startswith("marac_core") and not module.startswith(ALLOWED_FOR_PLUGINS)]
    assert not outside, f"{path.relative_to(ROOT)} imports internals: {outside}"


def test_the_scaffold_templates_import_the_core_only_through_the_public_api() -> None:
    from marac_core.scaffold import templates

    texts = [value for value in vars(templates).values() if isinstance(value, str) and "import" in value]
    modules = [m for text in texts for m in _template_imports(text)]
    assert modules, "the templates import the core"
    assert all(m.startswith(ALLOWED_FOR_PLUGINS) for m in modules), modules


def test_the_conformance_kit_imports_the_core_only_through_the_public_api() -> None:
    for path in (CORE / "testing").rglob("*.py"):
        if path.name == "sandbox.py":  # the kit's plugin loader: registers a plugin as the core would
            continue
        outside = [m for _, m in _imports(path) if m.startswith("marac_core")
                   and not m.startswith(ALLOWED_FOR_PLUGINS)]
        assert not outside, f"{path.relative_to(ROOT)}: {outside}"


# The stages, lowest first: a package imports only from packages before it (at run time).
LAYERS = [
    ["model"], ["intake"], ["matching"], ["sandbox"], ["plugins"], ["gateway"], ["api"],
    ["state"], ["planning"], ["followup"], ["execution"], ["builtin", "testing", "scaffold"],
    ["cli", "workbench"],
]


def _package_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "marac_core":
        return None
    return parts[1] if len(parts) > 1 else "api"  # `from marac_core import __version__` is the root


def test_no_package_of_the_core_imports_one_above_it() -> None:
    rank = {package: i for i, layer in enumerate(LAYERS) for package in layer}
    top_level = {p.stem if p.is_file() else p.name for p in CORE.iterdir()
                 if p.name not in {"__init__.py", "__pycache__"} and (p.is_dir() or p.suffix == ".py")}
    assert top_level <= set(rank), f"a package with no place in the layers: {top_level - set(rank)}"
    upward = []
    for path in CORE.rglob("*.py"):
        own = path.relative_to(CORE).parts[0].removesuffix(".py")
        if own == "__init__":
            continue
        for line, module in _imports(path, runtime_only=True):
            other = _package_of(module)
            if other and other != own and other in rank and rank[other] > rank[own]:
                upward.append(f"{path.relative_to(ROOT)}:{line} {own} -> {other}")
    assert not upward, "\n".join(upward)


def test_the_top_level_shows_the_stages_and_stays_small() -> None:
    entries = [p for p in CORE.iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 18, sorted(p.name for p in entries)
