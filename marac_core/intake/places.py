"""Where marac keeps its state, finds its config file (platformdirs' user folders) and its secrets.

Apart from config.py so that the commands that only read the state (``marac due``) need not import
the config file's models.
"""

from __future__ import annotations

from pathlib import Path

# The keyring's service name for every secret marac keeps (systems' passwords, the runner's key).
KEYRING_SERVICE = "marac"


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("marac")) / "config.toml"


def default_state_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("marac"))
