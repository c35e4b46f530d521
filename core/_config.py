"""Config: the per-user settings, one pydantic model read from one TOML file.

The file is small and hand-written by artists, so every mistake must come back as one
sentence naming the file and the key, never as a pydantic dump. Importing this module
imports pydantic; the core only does so when a config is actually read or given.

Precedence, lowest first: the file, then the ``GRAFTFLOW_*`` environment variables,
then explicit arguments (``Session(user=...)``, the CLI's ``--store``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator

from ._config_file import config_path, read_config_file
from ._environment import split_names
from ._errors import ConfigError, did_you_mean
from ._refs import installer_ref

__all__ = ["Config", "config_path", "load_config"]


def _installer_ref(ref: str) -> str:
    cleaned = installer_ref(ref)
    if cleaned is None:
        raise ValueError(
            f"{ref!r} is not an installer; write 'module:attribute', for example "
            "'studio_tools.extensions:install'"
        )
    return cleaned


#: One ``installers`` entry: validated one by one, so an error names ``installers[1]``.
_InstallerRef = Annotated[str, AfterValidator(_installer_ref)]


def _module_name(name: str) -> str:
    cleaned = name.strip()
    if not all(part.isidentifier() for part in cleaned.split(".")):
        raise ValueError(f"{name!r} is not a module name; write 'studio_models' or 'pkg.models'")
    return cleaned


_ModuleName = Annotated[str, AfterValidator(_module_name)]


def _store_url(url: str) -> str:
    # Only the shape: plugins add schemes, and which exist is known when one opens.
    scheme, sep, _ = url.partition("://")
    if not sep or not scheme:
        raise ValueError(
            f"{url!r} is not a store URL; write memory://, sqlite:///PATH or redis://HOST:PORT/DB"
        )
    return url


class Config(BaseModel):
    """Settings of one user: what the config file may say.

    :ivar store: the store URL used when none is given (``GRAFTFLOW_STORE`` wins).
    :ivar user: the user name (``GRAFTFLOW_USER`` wins).
    :ivar installers: personal installers, ``module:attr``, run after the entry points
        and plugins and before ``GRAFTFLOW_INSTALLERS``.
    :ivar blocked: installers, plugins, distributions or extensions to skip, by name.
    :ivar disabled_extensions: extension names whose factories are never called.
    :ivar imports: modules the command line imports before it works (a script's
        project types; ``--import`` names more).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    store: str | None = None
    user: str | None = None
    installers: tuple[_InstallerRef, ...] = ()
    blocked: tuple[str, ...] = ()
    disabled_extensions: tuple[str, ...] = ()
    imports: tuple[_ModuleName, ...] = ()

    @field_validator("installers", "blocked", "disabled_extensions", "imports", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        # TOML has arrays, not tuples; a single string is taken as one separated list.
        if isinstance(value, str):
            return tuple(split_names(value))
        if isinstance(value, list):
            return tuple(value)
        return value

    @field_validator("blocked", "disabled_extensions")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(name for entry in value for name in split_names(entry))

    @field_validator("store", "user")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty; remove the key to use the default")
        return value

    @field_validator("store")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _store_url(value)


def load_config(
    path: Path | str, *, required: bool = True, named_by: str | None = None
) -> Config | None:
    """Read and validate a config file.

    :param required: when false, a missing file gives ``None`` instead of an error.
    :param named_by: who named the file, for the message of a missing one.
    :raises ConfigError: the file cannot be read, is not TOML, or has a bad key; the
        message names the file and the key.
    """
    data = read_config_file(path, required=required, named_by=named_by)
    return None if data is None else validate_config(data, str(Path(path)))


def validate_config(data: Mapping[str, Any], where: str | None = None) -> Config:
    """Build a :class:`Config` from a mapping, with file-and-key errors."""
    prefix = f"config file {where}" if where else "config"
    if not isinstance(data, Mapping):
        raise ConfigError(where, None, f"{prefix}: expected a table of settings, not {data!r}")
    known = list(Config.model_fields)
    for key in data:
        if key not in Config.model_fields:
            raise ConfigError(
                where,
                str(key),
                f"{prefix}: unknown key {key!r}{did_you_mean(str(key), known)} "
                f"(known keys: {', '.join(known)})",
            )
    try:
        return Config.model_validate(dict(data))
    except ValidationError as exc:
        error = exc.errors()[0]
        key = _key(error["loc"])
        if error["type"] == "value_error":
            detail = error["msg"].removeprefix("Value error, ")
        else:
            expected = _EXPECTED.get(str(error["loc"][0]), "a different value")
            detail = f"expected {expected}, got {error.get('input')!r}"
        raise ConfigError(where, key, f"{prefix}: key {key!r}: {detail}") from None


_EXPECTED = {
    "store": "a store URL string",
    "user": "a user name string",
    "installers": "a list of 'module:attribute' strings",
    "blocked": "a list of names (strings)",
    "disabled_extensions": "a list of extension names (strings)",
    "imports": "a list of module names (strings)",
}


def _key(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key
