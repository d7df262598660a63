"""The runner's configuration: a TOML file of per-system settings, never secrets.

    [systems.systmone]
    base_url = "https://integration.example.nhs.uk/fhir"
    username = "marac-rep"
    timeout = 30
    mode = "api"            # or "manual": a worklist the rep carries out by hand

    [email]
    host = "smtp.example.org"
    port = 587
    from_address = "marac.rep@example.org"

    [representative]
    last_supervision = 2026-10-01      # RDaSH 4.9: at least every 90 days
    training_level3 = 2025-05-20       # RDaSH 4.10: domestic abuse training level 3 completed
    training_valid_months = 36

    [procedures.dudley-childrens-health]   # a procedure's own settings, checked by its settings model
    safeguarding_team = "safeguarding.children@example.nhs.uk"

Secrets are held in the system keyring (``marac credentials set SYSTEM``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from marac_core.intake.places import KEYRING_SERVICE, default_config_path, default_state_dir  # noqa: F401 - used from here too
from marac_core.intake.strict_yaml import refuse_control_characters
from marac_core.intake.suggest import unknown_key_message
from marac_core.model.errors import InputError


class SystemSettings(BaseModel):
    """One system's configuration (never its secrets)."""

    model_config = ConfigDict(extra="allow")

    base_url: str = ""
    username: str | None = None
    timeout: float = Field(default=30.0, gt=0)
    mode: Literal["api", "manual"] = "api"


CONFIG_ENV = "MARAC_CONFIG"


class Representative(BaseModel):
    """The designated MARAC representative's own standing (RDaSH SOP 4.9 and 4.10)."""

    model_config = ConfigDict(extra="forbid")

    last_supervision: dt.date | None = None
    training_level3: dt.date | None = None
    training_valid_months: int = Field(default=36, gt=0)


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    systems: dict[str, SystemSettings] = Field(default_factory=dict)
    email: SystemSettings = Field(default_factory=SystemSettings)
    representative: Representative | None = None
    # [procedures.NAME]: each procedure's own settings, checked against its settings model once the
    # procedures are loaded (marac_core.plugins.procedure_settings).
    procedures: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # The file it was read from, for errors found after reading.
    _source: str = PrivateAttr(default="config")

    @property
    def source(self) -> str:
        return self._source


def load_config(path: Path | None) -> Config:
    explicit = path is not None or CONFIG_ENV in os.environ
    path = path or Path(os.environ.get(CONFIG_ENV) or default_config_path())
    if not path.exists():
        if explicit:
            raise InputError(str(path), "config file not found")
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"not valid TOML: {exc}") from None
    refuse_control_characters(data, str(path))
    for where, key in _keys(data):
        if looks_like_secret(key):
            raise InputError(str(path), "looks like a secret: secrets belong in the keyring "
                                        "(marac credentials set), not in config", where)
    try:
        config = Config.model_validate(data)
        config._source = str(path)
        return config
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = unknown_key_message(Config, tuple(error["loc"]))
        raise InputError(str(path), message, field) from None


# A key that names a secret: `password`, `smtp_password`, `api_key`, `apiKey`, `access_token`, `client_secret`...
_SECRET = re.compile(r"(^|_)(passwd|password|passphrase|pwd|secret|token|apikey|api_key|access_key|credentials?|"
                     r"private_key|bearer)($|_)")
# Keys that only look like one: where a token is fetched from is not the token.
_NOT_SECRET = frozenset({"token_url"})


def looks_like_secret(key: str) -> bool:
    folded = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).casefold().replace("-", "_")
    return folded not in _NOT_SECRET and bool(_SECRET.search(folded))


def _keys(data: object, where: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{where}.{key}" if where else str(key)
            found.append((here, str(key)))
            found += _keys(value, here)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _keys(value, f"{where}[{index}]")
    return found


def secret_for(system: str) -> str | None:
    import keyring

    try:
        return keyring.get_password(KEYRING_SERVICE, system)
    except Exception:  # noqa: BLE001 - no usable keyring backend is the same as no secret
        return None
