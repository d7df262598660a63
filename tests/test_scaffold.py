"""`marac new-adapter`: the generated package registers, passes the conformance kit, installs and is listed."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

from marac_core.scaffold import ScaffoldError, generate
from marac_core.scaffold.command import new_adapter
from marac_core.testing import registrations_of


def _can_build_editable_here() -> bool:
    """Without build isolation, setuptools builds editable wheels itself from 70.1 on, else needs `wheel`."""
    try:
        version = tuple(int(p) for p in metadata.version("setuptools").split(".")[:2])
    except (metadata.PackageNotFoundError, ValueError):
        return False
    if version >= (70, 1):
        return True
    try:
        metadata.version("wheel")
    except metadata.PackageNotFoundError:
        return False
    return True


def _env(*paths: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in paths), "COLUMNS": "200"}


def test_command_writes_the_package_and_says_what_next(tmp_path: Path) -> None:
    result = CliRunner().invoke(new_adapter, ["rio", "--dir", str(tmp_path), "--title", "Rio EPR"])
    assert result.exit_code == 0, result.output
    root = tmp_path / "rio"
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == [
        "README.md", "marac_rio/__init__.py", "marac_rio/adapter.py", "marac_rio/emulator.py",
        "pyproject.toml", "tests/test_rio_conformance.py", "tests/test_rio_requests.py"]
    assert f"pip install -e {root}" in result.output
    for path in root.rglob("*"):
        if path.is_file():
            assert "<<" not in path.read_text(), f"unfilled placeholder in {path}"
    pyproject = (root / "pyproject.toml").read_text()
    assert 'name = "marac-rio"' in pyproject and '[project.entry-points.marac]\nrio = "marac_rio"' in pyproject
    assert 'title="Rio EPR"' in (root / "marac_rio" / "__init__.py").read_text()


@pytest.mark.parametrize("name, reason", [
    ("Emis", "not a system name"), ("e", "not a system name"), ("9rio", "not a system name"),
    ("rio-cs", "not a system name"), ("email", "reserved"), ("class", "reserved"),
    ("lcs", "already installed"),
])
def test_command_refuses_bad_names_in_one_line(tmp_path: Path, name: str, reason: str) -> None:
    if reason == "already installed" and not any(ep.name == name for ep in metadata.entry_points(group="marac")):
        pytest.skip("the lcs plugin is not installed here")
    result = CliRunner().invoke(new_adapter, [name, "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_generate_refuses_a_directory_in_use(tmp_path: Path) -> None:
    (tmp_path / "mosaic").mkdir()
    (tmp_path / "mosaic" / "notes.txt").write_text("mine")
    with pytest.raises(ScaffoldError, match="not empty"):
        generate("mosaic", tmp_path)


def test_generated_plugin_registers_through_pluggy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = generate("eclipse_cs", tmp_path, "Eclipse")
    monkeypatch.syspath_prepend(str(root))
    try:
        import marac_eclipse_cs  # type: ignore[import-not-found]

        # Registering imports neither the adapter nor the emulator module.
        assert "marac_eclipse_cs.adapter" not in sys.modules
        registration = registrations_of(marac_eclipse_cs)["eclipse_cs"]
        assert "marac_eclipse_cs.adapter" not in sys.modules
        assert (registration.title, registration.version) == ("Eclipse", "0.1.0")
        adapter = registration.adapter()
        assert adapter.__name__ == "EclipseCsAdapter" and adapter.name == "eclipse_cs"
        assert registration.emulator is not None and registration.emulator().__name__ == "EclipseCsEmulator"
    finally:
        for module in [m for m in sys.modules if m == "marac_eclipse_cs" or m.startswith("marac_eclipse_cs.")]:
            del sys.modules[module]


def test_generated_package_passes_the_conformance_kit_unchanged(tmp_path: Path) -> None:
    root, _ = generate("emis", tmp_path, "EMIS Web")
    # Its own pytest run, from its own directory, as the package's author would run it.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=root, env=_env(root),
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert "failed" not in summary and "error" not in summary, summary
    assert int(summary.split(" passed")[0].split()[-1]) >= 30, summary


@pytest.mark.skipif(os.environ.get("MARAC_SKIP_INSTALL_TESTS") == "1", reason="MARAC_SKIP_INSTALL_TESTS=1")
@pytest.mark.skipif(not _can_build_editable_here(), reason="needs setuptools>=70.1 or wheel in this environment")
def test_generated_package_installs_and_is_listed_by_marac_adapters(tmp_path: Path) -> None:
    """End to end, into this environment: pip install -e, `marac adapters`, pip uninstall."""
    name = "scaffoldprobe"
    root, _ = generate(name, tmp_path, "Scaffold probe")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    marac = Path(sys.executable).with_name("marac")
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", "-e", str(root)], check=True,
                   capture_output=True, timeout=300)
    try:
        listed = subprocess.run([str(marac), "adapters"], capture_output=True, text=True, timeout=120,
                                env={**os.environ, "COLUMNS": "200"})
        assert listed.returncode == 0, listed.stderr
        line = next((row for row in listed.stdout.splitlines() if f" {name} " in row), None)
        assert line is not None, listed.stdout
        assert "0.1.0" in line and "Scaffold probe" in line
    finally:
        subprocess.run([*pip, "uninstall", "-y", f"marac-{name}"], check=True, capture_output=True, timeout=300)
