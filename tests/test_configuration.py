"""Configuration (TOML, never secrets), credentials in the keyring, and assisted-manual mode."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from click.testing import CliRunner
from keyring.backend import KeyringBackend

from marac_core.cli.demo import bundled
from marac_core.cli.main import main
from marac_core.intake.config import load_config, secret_for
from marac_core.model.errors import InputError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.held: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.held.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.held[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.held:
            raise PasswordDeleteError(username)
        del self.held[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def invoke(*args: object, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_credentials_go_to_the_keyring_and_nowhere_else(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    code, out, _ = invoke("credentials", "set", "systmone", "--stdin", stdin="s3cret-token\n")
    assert code == 0 and "s3cret" not in out
    assert memory_keyring.held == {("marac", "systmone"): "s3cret-token"}
    assert secret_for("systmone") == "s3cret-token"
    code, out, _ = invoke("credentials", "list")
    assert "systmone: stored" in out and "s3cret" not in out
    assert invoke("credentials", "delete", "systmone")[0] == 0 and memory_keyring.held == {}


def test_credentials_for_an_unknown_system_are_refused(memory_keyring: MemoryKeyring) -> None:
    code, _, err = invoke("credentials", "set", "emis", "--stdin", stdin="x\n")
    assert code == 2 and "'emis'" in err and "systmone" in err and memory_keyring.held == {}


def test_a_secret_in_the_config_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[systems.livelink]\nbase_url = "https://cs.example.org/otcs/cs.exe"\npassword = "x"\n')
    with pytest.raises(InputError, match=r"systems.livelink.password.*keyring"):
        load_config(config)


def test_config_gives_each_system_its_url_username_timeout_and_mode(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[systems.systmone]\nbase_url = "https://fhir.example.nhs.uk/R4"\nusername = "rep"\n'
                      'timeout = 12\nmode = "api"\n[email]\nhost = "smtp.example.org"\nport = 587\n')
    loaded = load_config(config)
    assert loaded.systems["systmone"].base_url == "https://fhir.example.nhs.uk/R4"
    assert loaded.systems["systmone"].timeout == 12 and loaded.systems["systmone"].username == "rep"
    config.write_text('[systems.systmone]\nmode = "sometimes"\n')
    with pytest.raises(InputError, match="systems.systmone.mode"):
        load_config(config)


def test_a_system_in_manual_mode_becomes_a_worklist_with_the_exact_wording(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[systems.systmone]\nmode = "manual"\n')
    meeting = bundled() / "rdash-meeting.yaml"
    code, out, err = invoke("apply", meeting, "--config", config, "--state", tmp_path / "s", "--on", "2026-12-01",
                            "--json")
    assert code == 0, err
    report = json.loads(out)
    alerts = [o for o in report["obligations"] if o["action"] == "alert"]
    assert alerts and {o["status"] for o in alerts} == {"manual"}
    victim = next(o for o in alerts if o["person"] == "Sarah JONES")
    assert victim["text"].startswith("patient to be discussed at Doncaster multi-agency risk assessment")
    assert "look them up by hand" in victim["condition"] and victim["record"] is None
    code, _, _ = invoke("done", victim["id"], "--state", tmp_path / "s")
    assert code == 0
    code, out, _ = invoke("status", meeting, "--state", tmp_path / "s", "--json")
    assert {r["id"]: r["state"] for r in json.loads(out)}[victim["id"]] == "done by hand"


@pytest.mark.parametrize(("section", "field", "said"), [
    # Harm prevented: Livelink's obligation markers written where nobody looks for them, so a re-run
    # cannot find what was uploaded and uploads the minutes again.
    ('[systems.livelink]\nbase_url = "https://cs.example.org"\nmarker_categroy = 9100\n',
     "systems.livelink.marker_categroy", "did you mean marker_category?"),
    # Harm prevented: alerts raised in a category of SystmOne the agency did not choose.
    ('[systems.systmone]\nbase_url = "https://fhir.example.nhs.uk/R4"\nflag_catgory = "MARAC"\n',
     "systems.systmone.flag_catgory", "did you mean flag_category?"),
    # Harm prevented: a system thought configured running in manual mode (or not at all).
    ('[systems.sytmone]\nbase_url = "https://fhir.example.nhs.uk/R4"\n', "systems.sytmone",
     "no adapter 'sytmone' is installed (did you mean systmone?)"),
    ('[systems.lcs]\nbase_url = "https://lcs.example.org"\npath = "/gateway"\n', "systems.lcs.path", "unknown key"),
    # Harm prevented: e-mail sent through a default server instead of the agency's.
    ('[email]\nhots = "smtp.example.org"\n', "email.hots", "did you mean host?"),
    ('[systems.email]\nhost = "smtp.example.org"\n', "systems.email", "under [email]"),
])
def test_a_system_setting_its_adapter_does_not_read_is_refused_before_anything_is_looked_up(
        tmp_path: Path, section: str, field: str, said: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(section)
    state = tmp_path / "state"
    code, out, err = invoke("plan", bundled() / "rdash-meeting.yaml", "--config", config, "--state", state,
                            "--on", "2026-12-01", "--json")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert str(config) in err and field in err and said in err
    assert not state.exists()


def test_the_settings_each_adapter_reads_are_accepted(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[systems.livelink]\nmode = "manual"\nroot_folder = 2000\nmarac_folder = "MARAC minutes"\n'
                      'marker_category = 9100\nmarker_attribute = 2\nclassification_value = "Restricted"\n'
                      '[systems.systmone]\nmode = "manual"\nflag_category = "MARAC"\n'
                      '[systems.lcs]\nmode = "manual"\n[email]\nhost = "localhost"\nport = 2525\n'
                      'from_address = "a.rep@example.org"\nstarttls = false\n')
    code, out, err = invoke("plan", bundled() / "rdash-meeting.yaml", "--config", config, "--state",
                            tmp_path / "state", "--on", "2026-12-01", "--json")
    assert code == 0, err


def test_the_workbench_refuses_a_misspelt_system_setting_before_it_serves(tmp_path: Path) -> None:
    # Harm prevented: a rep working a whole meeting in the browser before the first write finds the
    # agency's settings unread.
    config = tmp_path / "config.toml"
    config.write_text('[systems.livelink]\nbase_url = "https://cs.example.org"\nmarac_foldr = "MARAC"\n')
    code, out, err = invoke("workbench", bundled() / "rdash-meeting.yaml", "--config", config, "--state",
                            tmp_path / "state", "--no-browser")
    assert code == 2 and "workbench URL" not in out
    assert "systems.livelink.marac_foldr" in err and "did you mean marac_folder?" in err
