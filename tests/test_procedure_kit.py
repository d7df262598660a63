"""The plugin authors' kit for procedures (issue 15): listing, settings, attachments, harness, scaffold.

A procedure is a plugin: an agency's own procedure must install, be listed with the distribution
that provides it, take its settings from the config file (a mistyped key refused, never dropped),
name what it attaches, and be testable without any record system.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, ConfigDict

from marac_core.api import Procedure, Protected
from marac_core.builtin import herts_childrens, rdash
from marac_core.cli.demo import bundled
from marac_core.cli.main import main
from marac_core.model.errors import InputError
from marac_core.plugins.procedure_settings import check_section
from marac_core.scaffold import ScaffoldError
from marac_core.scaffold.command import new_procedure
from marac_core.scaffold.procedure import generate_procedure
from marac_core.testing import (
    FAILED,
    MANUAL,
    REVIEW,
    ProcedureHarness,
    assert_complete,
    assert_none,
    meeting,
    one,
    problems,
    record,
)

DEMO = bundled()


def invoke(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# -- marac procedures ---------------------------------------------------------------------------------

def test_marac_procedures_lists_name_title_version_and_plugin_as_json() -> None:
    code, out, _ = invoke("procedures", "--json")
    assert code == 0
    listed = {row["name"]: row for row in json.loads(out)}
    assert listed["rdash"] == {"name": "rdash", "title": rdash.PROCEDURE.title, "version": "0.1.0",
                               "plugin": "marac-core", "builtin": True}
    assert listed["herts-childrens"]["title"] == herts_childrens.PROCEDURE.title


def test_marac_procedures_and_marac_adapters_show_each_procedures_version_and_plugin() -> None:
    for command in ("procedures", "adapters"):
        result = CliRunner(env={"COLUMNS": "200"}).invoke(main, [command], catch_exceptions=False)
        assert result.exit_code == 0
        row = next(line for line in result.stdout.splitlines() if " rdash " in line)
        assert "0.1.0" in row and "marac-core" in row and rdash.PROCEDURE.title in row


def test_a_procedure_with_no_version_of_its_own_is_listed_with_its_distributions_version() -> None:
    from importlib import metadata

    from marac_core.cli.procedures import procedure_rows
    from marac_core.plugins.registry import Registry, new_manager

    class Unversioned(Procedure):
        name = "unversioned"
        title = "Unversioned"
        systems = ()

    if not any(ep.name == "systmone" for ep in metadata.entry_points(group="marac")):
        pytest.skip("the systmone plugin is not installed here")
    # As if the installed systmone distribution's plugin had registered it.
    registry = Registry(manager=new_manager(), procedures={"unversioned": Unversioned()},
                        sources={"unversioned": "systmone"})
    assert procedure_rows(registry) == [{"name": "unversioned", "title": "Unversioned", "builtin": False,
                                         "version": metadata.version("marac-systmone"), "plugin": "marac-systmone"}]


# -- settings: [procedures.NAME] ------------------------------------------------------------------------

class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    safeguarding_team: str
    alert_months: int = 12


def test_a_procedures_settings_are_its_model_filled_from_its_section() -> None:
    settings = check_section("config.toml", "probe", Settings, {"safeguarding_team": "sg@example.org"})
    assert settings == Settings(safeguarding_team="sg@example.org", alert_months=12)


@pytest.mark.parametrize("given, field, message", [
    ({"safeguarding_team": "sg@example.org", "alert_month": 6}, "procedures.probe.alert_month",
     "unknown key (did you mean alert_months?)"),
    ({"safeguarding_team": "sg@example.org", "alert_months": "a year"}, "procedures.probe.alert_months",
     "valid integer"),
    ({}, "procedures.probe.safeguarding_team", "required in the config file"),
])
def test_a_mistyped_setting_is_refused_with_file_and_field_not_dropped(given: dict, field: str, message: str) -> None:
    with pytest.raises(InputError) as refused:
        check_section("config.toml", "probe", Settings, given)
    assert refused.value.source == "config.toml" and refused.value.field == field
    assert message in refused.value.message


def test_a_setting_is_refused_even_if_the_model_would_ignore_unknown_keys() -> None:
    class Lenient(BaseModel):  # extra="ignore", pydantic's default: a typo would vanish silently
        alert_months: int = 12

    with pytest.raises(InputError, match="unknown key"):
        check_section("config.toml", "probe", Lenient, {"alert_month": 6})


def _plan_with_config(tmp_path: Path, config: str) -> tuple[int, str, str]:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(config), encoding="utf-8")
    state = tmp_path / "state"
    code, out, err = invoke("plan", DEMO / "rdash-meeting.yaml", "--sandbox", DEMO / "records.yaml",
                            "--state", state, "--config", path, "--on", "2026-12-01", "--json")
    return code, out, err


def test_settings_for_a_procedure_that_takes_none_are_refused_before_anything_is_looked_up(tmp_path: Path) -> None:
    code, _, err = _plan_with_config(tmp_path, """
        [procedures.rdash]
        alert_months = 6
    """)
    assert code == 2
    assert err.strip() == (f"marac: {tmp_path / 'config.toml'}: procedures.rdash.alert_months: "
                           "unknown key: procedure rdash takes no settings")
    assert not (tmp_path / "state").exists(), "nothing is started or written for bad input"


def test_a_section_for_a_procedure_not_installed_is_refused_with_the_nearest_name(tmp_path: Path) -> None:
    code, _, err = _plan_with_config(tmp_path, """
        [procedures.rdahs]
        x = 1
    """)
    assert code == 2 and "procedures.rdahs: no procedure 'rdahs' is installed (did you mean rdash?)" in err


def test_a_secret_in_a_procedures_section_is_refused(tmp_path: Path) -> None:
    code, _, err = _plan_with_config(tmp_path, """
        [procedures.rdash]
        password = "hunter2"
    """)
    assert code == 2 and "procedures.rdash.password" in err and "keyring" in err


# -- attachments: the archive's name and the password email ---------------------------------------------

def test_the_default_protection_keeps_todays_archive_name_and_wording_for_the_shipped_procedures() -> None:
    for procedure in (rdash.PROCEDURE, herts_childrens.PROCEDURE):
        protected = procedure.protected(None)  # type: ignore[arg-type]
        assert protected.archive == "MARAC-minutes.zip"
        assert protected.subject_of_password("MARAC minutes") == "MARAC minutes: password"
        assert protected.notice("s", "pw") == "The password for the MARAC minutes sent in a separate message is: pw"


@pytest.mark.parametrize("fields, reason", [
    ({"archive": "minutes.pdf"}, "ending in .zip"),
    ({"archive": "../minutes.zip"}, "no folder"),
    ({"password_notice": "The password is in the post."}, "must use {password}"),
    ({"password_notice": "Password for {case}: {password}"}, "may use {subject} and {password}"),
])
def test_a_protection_that_would_lose_the_password_or_misname_the_archive_is_refused(fields: dict, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("{", r"\{").replace("}", r"\}")):
        Protected(**fields)


def test_the_herts_minutes_email_goes_as_minutes_archive_with_todays_password_wording(tmp_path: Path) -> None:
    code, _, _ = invoke("apply", DEMO / "herts-meeting.yaml", "--sandbox", DEMO / "records.yaml", "--state", tmp_path,
                        "--on", "2026-12-03", "--json")
    assert code == 0
    code, out, _ = invoke("sandbox", "dump", "--state", tmp_path, "--json")
    messages = json.loads(out)["email"]["messages"]
    with_minutes = [m for m in messages if m["attachments"]]
    assert with_minutes and all(m["attachments"] == ["MARAC-minutes.zip"] for m in with_minutes)
    # (The sandbox's mail catcher keeps a long subject folded, as it came: compare it unfolded.)
    subjects = {" ".join(m["subject"].split()): m for m in messages}
    for message in with_minutes:
        notice = subjects[" ".join(message["subject"].split()) + ": password"]
        assert notice["body"].startswith("The password for the MARAC minutes sent in a separate message is: ")


# -- the harness ------------------------------------------------------------------------------------------

CASE = {"ref": "DN-1", "victim": {"name": "Sarah JONES", "dob": "1991-03-14"},
        "perpetrator": {"name": "Mark JONES"}, "children": [{"name": "Lily JONES", "dob": "2019-05-22"}]}
HARNESS = ProcedureHarness(rdash.PROCEDURE)


def test_the_harness_plans_with_each_lookup_status_and_no_servers() -> None:
    victim = ("Sarah JONES", "systmone")
    matched = HARNESS.plan(meeting([CASE]), "before", {victim: record("S1", "Sarah Jones")})
    assert one(matched, action="alert").record == "S1"
    for answer in (None, REVIEW, FAILED):
        assert_none(HARNESS.plan(meeting([CASE]), "before", {victim: answer}), action="alert", role="victim")
    by_hand = one(HARNESS.plan(meeting([CASE]), "before", {victim: MANUAL}), action="alert", role="victim")
    assert by_hand.record is None and "look them up by hand" in (by_hand.model_extra or {})["condition"]
    not_installed = HARNESS.plan(meeting([CASE]), "before", {victim: record("S1", "Sarah Jones")}, installed={"email"})
    assert_none(not_installed, action="alert")
    assert len([o for o in not_installed if o.rule == "rdash: look-up"]) == 3  # each person, by hand


def test_one_fails_showing_what_the_plan_holds() -> None:
    obligations = HARNESS.plan(meeting([CASE]), "before", {})
    with pytest.raises(AssertionError, match=r"found 0; the plan holds:\n- rdash 4.2 research \| - \| manual"):
        one(obligations, action="alert")


def test_assert_complete_catches_an_alert_with_no_expiry_and_an_email_with_no_address() -> None:
    obligations = HARNESS.plan(meeting([CASE]), "before", {("Sarah JONES", "systmone"): record("S1", "Sarah Jones")})
    alert = one(obligations, action="alert", role="victim")
    broken = alert.model_copy(update={"expires": None})
    assert problems(broken) == ["alert without expires"]
    with pytest.raises(AssertionError, match="alert without expires"):
        assert_complete([broken])
    email = broken.model_copy(update={"action": "email", "system": "email", "to": [], "expires": None})
    assert "email without to" in problems(email)
    with pytest.raises(AssertionError, match="share the id"):
        assert_complete([alert, alert])


def test_the_harness_gives_a_procedure_its_settings() -> None:
    class WithSettings(Procedure):
        name = "probe"
        title = "Probe"
        systems = ("systmone",)
        settings_model = Settings

        def rules(self, context):  # type: ignore[no-untyped-def]
            return [context.task(rule="probe", case=case, text=context.settings.safeguarding_team)
                    for case in context.meeting.cases]

    harness = ProcedureHarness(WithSettings(), settings={"safeguarding_team": "sg@example.org"})
    assert one(harness.plan(meeting([CASE]), "before"), rule="probe").text == "sg@example.org"
    with pytest.raises(ValueError, match="unknown settings"):
        harness.plan(meeting([CASE]), "before", settings={"safeguarding_teem": "x"})


# -- marac new-procedure ------------------------------------------------------------------------------------

def test_new_procedure_writes_the_package_and_says_what_next(tmp_path: Path) -> None:
    code, out, _ = invoke("new-procedure", "kent-probation", "--dir", tmp_path, "--title", "Kent probation MARAC")
    assert code == 0
    root = tmp_path / "kent-probation"
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == [
        "README.md", "marac_kent_probation/__init__.py", "marac_kent_probation/procedure.py", "pyproject.toml",
        "tests/test_marac_kent_probation.py"]
    assert f"pip install -e {root}" in out and "marac procedures" in out
    for path in root.rglob("*"):
        if path.is_file():
            assert "<<" not in path.read_text(), f"unfilled placeholder in {path}"
    pyproject = (root / "pyproject.toml").read_text()
    assert 'name = "marac-kent-probation"' in pyproject
    assert '[project.entry-points.marac]\nkent-probation = "marac_kent_probation"' in pyproject
    source = (root / "marac_kent_probation" / "procedure.py").read_text()
    assert 'title = "Kent probation MARAC"' in source
    imports = [line for line in source.splitlines() if line.startswith(("from marac_core", "import marac_core"))]
    assert imports == ["from marac_core.api import ("], imports


@pytest.mark.parametrize("name, reason", [
    ("Kent", "not a procedure name"), ("k", "not a procedure name"), ("kent--probation", "not a procedure name"),
    ("kent_probation", "not a procedure name"), ("email", "reserved"), ("rdash", "already installed"),
])
def test_new_procedure_refuses_bad_names_in_one_line(tmp_path: Path, name: str, reason: str) -> None:
    result = CliRunner().invoke(new_procedure, [name, "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_new_procedure_refuses_a_directory_in_use(tmp_path: Path) -> None:
    (tmp_path / "kent-probation").mkdir()
    (tmp_path / "kent-probation" / "notes.txt").write_text("mine")
    with pytest.raises(ScaffoldError, match="not empty"):
        generate_procedure("kent-probation", tmp_path)


def _fresh_venv(where: Path) -> Path:
    """A new venv whose own site-packages is empty, over this environment's packages (marac-core and its
    dependencies, pip, setuptools, pytest), so that installing into it needs no index and no download."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    python = where / "bin" / "python"
    site_packages = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                   check=True, capture_output=True, text=True).stdout.strip()
    underneath = [p for p in sys.path if p.endswith("site-packages")]
    # addsitedir, not a plain path: the editable installs underneath are themselves .pth files.
    Path(site_packages, "_marac_underneath.pth").write_text(
        "import site; " + "; ".join(f"site.addsitedir({p!r})" for p in underneath) + "\n")
    return python


@pytest.mark.skipif(os.environ.get("MARAC_SKIP_INSTALL_TESTS") == "1", reason="MARAC_SKIP_INSTALL_TESTS=1")
def test_generated_procedure_installs_in_a_fresh_venv_is_listed_and_its_tests_pass_unchanged(tmp_path: Path) -> None:
    root, _ = generate_procedure("scaffold-probe", tmp_path / "src", "Scaffold probe procedure")
    python = _fresh_venv(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MARAC_LOAD_PLUGINS")}
    env["COLUMNS"] = "200"

    def run(*args: str, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)

    installed = run("-m", "pip", "--disable-pip-version-check", "-q", "install", "--no-deps", "--no-build-isolation",
                    str(root))
    assert installed.returncode == 0, installed.stderr
    where = run("-c", "import marac_scaffold_probe; print(marac_scaffold_probe.__file__)")
    assert where.stdout.startswith(str(tmp_path / "venv")), where.stdout + where.stderr  # installed, not the source

    listed = run("-m", "marac_core.cli.main", "procedures", "--json")
    assert listed.returncode == 0, listed.stderr
    row = next(r for r in json.loads(listed.stdout) if r["name"] == "scaffold-probe")
    assert row == {"name": "scaffold-probe", "title": "Scaffold probe procedure", "version": "0.1.0",
                   "plugin": "marac-scaffold-probe", "builtin": False}

    # The package's own tests, unchanged, against the installed package (run from outside its source).
    tested = run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests"))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    summary = tested.stdout.strip().splitlines()[-1]
    assert "6 passed" in summary, summary

    # And a meeting planned with it through the whole runner (sandbox, no config).
    meeting_file = tmp_path / "meeting.yaml"
    meeting_file.write_text(textwrap.dedent("""
        meeting: {area: Example, date: 2026-12-03, time: "10:00", procedure: scaffold-probe}
        cases:
          - ref: EX-1
            victim: {name: Sarah JONES, dob: 1991-03-14}
    """), encoding="utf-8")
    planned = run("-m", "marac_core.cli.main", "plan", str(meeting_file), "--sandbox", str(DEMO / "records.yaml"),
                  "--state", str(tmp_path / "state"), "--on", "2026-12-01", "--json")
    assert planned.returncode == 0, planned.stderr
    assert json.loads(planned.stdout)["meeting"]["procedure"] == "scaffold-probe"


def test_the_dates_in_the_generated_tests_are_this_harness_defaults() -> None:
    # The generated tests assert due times on 3 December 2026: the harness meeting's default date.
    assert meeting([])["meeting"]["date"] == dt.date(2026, 12, 3).isoformat()
