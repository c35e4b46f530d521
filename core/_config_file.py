"""Where the per-user config file is, and reading its TOML: no pydantic here.

Split from :mod:`graftflow._config` so that starting a session without a config file
(the common case on a workstation or a farm node) never imports pydantic: issue 5's
session-start target leaves no room for a 100 ms import nobody needs.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._environment import Environment
from ._errors import ConfigError

__all__ = ["config_path", "read_config_file"]


def config_path(environ: Mapping[str, str]) -> tuple[Path, bool]:
    """Where the user's config file is, and whether the user named it explicitly.

    ``GRAFTFLOW_CONFIG`` names it; otherwise it is ``config.toml`` in the platform's
    user config directory (``~/.config/graftflow`` on Linux).
    """
    explicit = Environment.read(environ).config
    if explicit:
        return Path(explicit).expanduser(), True
    if sys.platform not in ("win32", "darwin"):
        # platformdirs reads os.environ; a session built for another environment (a
        # server serving several users) must find that environment's file (XDG spec).
        xdg = environ.get("XDG_CONFIG_HOME", "").strip()
        home = environ.get("HOME", "").strip()
        if xdg and Path(xdg).is_absolute():
            return Path(xdg) / "graftflow" / "config.toml", False
        if home:
            return Path(home) / ".config" / "graftflow" / "config.toml", False
    import platformdirs

    return Path(platformdirs.user_config_dir("graftflow", appauthor=False)) / "config.toml", False


def read_config_file(
    path: Path | str, *, required: bool = True, named_by: str | None = None
) -> dict[str, Any] | None:
    """Read a config file's TOML, unvalidated.

    :param required: when false, a missing file gives ``None`` instead of an error.
    :param named_by: who named the file, for the message of a missing one.
    :raises ConfigError: the file cannot be read or is not TOML; the message names it.
    """
    path = Path(path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if not required:
            return None
        raise ConfigError(
            where,
            None,
            f"config file {where} does not exist" + (f" (named by {named_by})" if named_by else ""),
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(where, None, f"config file {where} cannot be read: {exc}") from None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(where, None, f"config file {where} is not valid TOML: {exc}") from None
