"""Installed entry points, scanned once per process and sorted so order is stable.

Scanning reads every distribution's metadata, which costs milliseconds per hundred
distributions; sessions come and go far more often than software gets installed, so
one scan serves every group (a session reads two: installers and plugins), and its
result is cached until :func:`forget_entry_points`.

The scan reads the ``*.dist-info`` / ``*.egg-info`` directories on ``sys.path`` itself,
as ``importlib.metadata``'s path finder does, because importing ``importlib.metadata``
(email, zipfile, csv...) costs about 15 ms, more than the scan, and every ``graftflow``
command touching an extendable object would pay it (issue 15's CLI latency). Where the
shortcut could see something else than ``importlib.metadata`` (a zip file or an egg on
``sys.path``, a meta-path finder that finds distributions of its own), the scan asks
``importlib.metadata``. Tests compare both views.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from importlib.machinery import PathFinder
from typing import Final, NamedTuple

__all__ = ["Found", "canonical", "entry_points", "forget_entry_points"]

_cache: dict[str, tuple[Found, ...]] = {}
#: Every installed graftflow entry point by group, from the one scan (``None``: not yet).
_raw: dict[str, list[Found]] | None = None
_lock = threading.Lock()

#: Reads one metadata file of a distribution (``None`` if it is not there).
Reader = Callable[[str], "str | None"]


class Found(NamedTuple):
    """One entry point and the distribution that declares it."""

    name: str
    #: ``module:attr`` as written in the distribution's metadata.
    value: str
    module: str
    attr: str | None
    dist: str | None
    version: str | None

    @property
    def ref(self) -> str:
        """What to import: ``module:attr``, or the module alone."""
        return f"{self.module}:{self.attr}" if self.attr else self.module

    @property
    def label(self) -> str:
        """How diagnostics name it: ``entry point review (studio-review 1.0)``."""
        return self.label_as("entry point")

    def label_as(self, kind: str) -> str:
        """The label for what the entry point declares: ``plugin show (gftest-show 0.3)``."""
        where = f" ({self.dist} {self.version})" if self.dist else ""
        return f"{kind} {self.name}{where}"


def canonical(name: str) -> str:
    """A distribution name as packaging compares them (``Studio_Tools`` = ``studio-tools``)."""
    return _dashed(name).lower()


_TO_DASH: Final = str.maketrans("_.", "--")


def _dashed(name: str) -> str:
    """``name`` with each run of ``-``, ``_`` and ``.`` made one ``-``, packaging's rule,
    without compiling a regular expression: every command on extendable objects names
    every installed distribution this way (issue 15's latency)."""
    name = name.translate(_TO_DASH)
    while "--" in name:
        name = name.replace("--", "-")
    return name


def entry_points(group: str) -> tuple[Found, ...]:
    """The entry points of ``group`` (a ``graftflow.`` group), sorted by distribution,
    then name, then value."""
    if not group.startswith(PREFIX):
        raise ValueError(f"entry_points() reads graftflow's groups only, not {group!r}")
    found = _cache.get(group)
    if found is not None:
        return found
    with _lock:
        found = _cache.get(group)
        if found is None:
            found = tuple(sorted(_scan(group), key=_order))
            _cache[group] = found
    return found


def forget_entry_points() -> None:
    """Scan again next time: for a process that installed distributions while running."""
    global _raw
    with _lock:
        _cache.clear()
        _raw = None


#: Only groups under this prefix are scanned for (graftflow reads no other).
PREFIX = "graftflow."


def _scan_all() -> dict[str, list[Found]]:
    """One pass over every distribution, keeping graftflow's entry points by group;
    called under the lock.

    What ``importlib.metadata.entry_points()`` does, minus its cost for the hundreds of
    distributions that declare nothing for graftflow: their ``entry_points.txt`` is
    read but not parsed unless it mentions ``graftflow.``. Like ``entry_points()``,
    the first distribution of a name on the path hides later ones of the same name.
    """
    global _raw
    if _raw is None:
        raw: dict[str, list[Found]] = {}
        seen: set[str] = set()
        listed = _metadata_dirs()
        for name, read in _by_importlib() if listed is None else listed:
            if name in seen:
                continue
            seen.add(name)
            text = read("entry_points.txt")
            if not text or PREFIX not in text:
                continue
            identity: tuple[str | None, str | None] | None = None
            for group, entry, value in _parse_entry_points(text):
                identity = identity or _identity(read)
                module, _, attr = value.partition(":")
                raw.setdefault(group, []).append(
                    Found(
                        name=entry,
                        value=value,
                        module=module.strip(),
                        attr=attr.partition("[")[0].strip() or None,
                        dist=identity[0],
                        version=identity[1],
                    )
                )
        _raw = raw
    return _raw


def _metadata_dirs() -> list[tuple[str, Reader]] | None:
    """``(normalised name, reader)`` of every ``*.dist-info`` / ``*.egg-info`` directory
    on ``sys.path``, in ``importlib.metadata.distributions()``'s order; ``None`` where
    only importlib.metadata can tell."""
    if any(
        finder is not PathFinder and hasattr(finder, "find_distributions")
        for finder in sys.meta_path
    ):
        return None  # a finder of its own may serve distributions from anywhere
    found: list[tuple[str, Reader]] = []
    for entry in sys.path:
        where = entry or "."
        try:
            children = os.listdir(where)
        except NotADirectoryError:
            return None  # a zip file on the path: importlib.metadata reads inside it
        except OSError:
            continue  # an entry that does not exist (or cannot be listed) holds nothing
        infos: dict[str, list[str]] = {}
        for child in children:
            low = child.lower()
            if low.endswith((".dist-info", ".egg-info")):
                infos.setdefault(_normalize(low.rpartition(".")[0].partition("-")[0]), []).append(
                    child
                )
            elif low.endswith(".egg"):
                return None  # an egg: importlib.metadata looks inside it
        for name, directories in infos.items():
            found += [(name, _reader(os.path.join(where, child))) for child in directories]
    return found


def _reader(directory: str) -> Reader:
    def read(filename: str) -> str | None:
        try:
            with open(os.path.join(directory, filename), encoding="utf-8") as file:
                return file.read()
        except (OSError, UnicodeDecodeError):
            return None

    return read


def _by_importlib() -> Iterator[tuple[str, Reader]]:
    import importlib.metadata

    for dist in importlib.metadata.distributions():
        # PathDistribution knows its name from its directory, without reading METADATA.
        name = getattr(dist, "_normalized_name", None)
        if not (isinstance(name, str) and name):
            name = _normalize(dist.metadata["Name"] or "")
        yield name, dist.read_text


def _normalize(name: str) -> str:
    """importlib.metadata's normalised distribution name (``Studio.Tools``: ``studio_tools``)."""
    return _dashed(name).lower().replace("-", "_")


def _parse_entry_points(text: str) -> Iterator[tuple[str, str, str]]:
    """``(group, name, value)`` for graftflow's groups in an ``entry_points.txt``, read
    as importlib.metadata reads it: ``[group]`` headers, ``name = value``, ``#`` comments."""
    group = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
        elif group.startswith(PREFIX):
            name, _, value = line.partition("=")
            yield group, name.strip(), value.strip()


def _scan(group: str) -> list[Found]:
    return list(_scan_all().get(group, ()))


def _identity(read: Reader) -> tuple[str | None, str | None]:
    """A distribution's name and version, read from the head of its metadata file.

    ``importlib.metadata``'s ``dist.name`` and ``dist.version`` parse the whole file with
    the email package (whose import alone costs ~10 ms): the scan reads only the two
    header lines it needs. A header missing before the first blank line (where the
    headers end) is shown as unknown rather than failing the scan.
    """
    text = read("METADATA") or read("PKG-INFO") or ""
    name = version = None
    for line in text.splitlines():
        if not line:
            break
        if line.startswith("Name:"):
            name = line[5:].strip()
        elif line.startswith("Version:"):
            version = line[8:].strip()
        if name and version:
            return name, version
    return name, version


def _order(found: Found) -> tuple[str, str, str]:
    return (canonical(found.dist or ""), found.name, found.value)
