"""Plugins: adapters and procedures found through entry points, listed with versions, clashes refused."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from marac_core.cli.main import main
from marac_core.model.errors import PluginError
from marac_core.plugins.adapter import AdapterRegistration
from marac_core.plugins.hookspecs import hookimpl
from marac_core.plugins.registry import collect, new_manager


class _Twin:
    def __init__(self, name: str) -> None:
        self.name = name

    @hookimpl
    def marac_register_adapters(self, register) -> None:  # type: ignore[no-untyped-def]
        register(AdapterRegistration(name=self.name, version="1", title="x", adapter=lambda: object))  # type: ignore[arg-type, return-value]


def test_two_plugins_registering_one_adapter_name_is_an_error() -> None:
    manager = new_manager()
    manager.register(_Twin("emis"), name="first")
    manager.register(_Twin("emis"), name="second")
    with pytest.raises(PluginError, match="'emis' registered by both first and second"):
        collect(manager)


def test_a_misspelled_hook_is_caught_at_start_up() -> None:
    class Misspelled:
        @hookimpl
        def marac_register_adaptors(self, register) -> None:  # type: ignore[no-untyped-def]
            pass

    manager = new_manager()
    manager.register(Misspelled(), name="misspelled")
    with pytest.raises(Exception, match="unknown hook"):
        collect(manager)


def test_marac_adapters_lists_the_installed_adapters_with_versions() -> None:
    result = CliRunner().invoke(main, ["adapters"], catch_exceptions=False, terminal_width=200)
    assert result.exit_code == 0
    for name in ("lcs", "ehm", "systmone", "livelink", "email"):
        assert name in result.stdout
    assert "0.1.0" in result.stdout and "herts-childrens" in result.stdout and "rdash" in result.stdout


def test_only_the_named_plugins_load_when_asked() -> None:
    code = ("import os; os.environ['MARAC_LOAD_PLUGINS'] = 'systmone'\n"
            "from marac_core.plugins.registry import load\n"
            "print(sorted(load().adapters))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['email', 'systmone']"
