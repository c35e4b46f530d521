"""Installed entry points, scanned once per process and sorted so order is stable.

Scanning reads every distribution's metadata, which costs milliseconds per hundred
distributions; sessions come and go far more often than software gets installed, so
one scan serves every group (a session reads two: installers and plugins), and its
result is cached until :func:`forget_entry_points`.
"""

from __future__ import annotations

import importlib.metadata
import re
import threading
from dataclasses import dataclass

__all__ = ["Found", "canonical", "entry_points", "forget_entry_points"]

_cache: dict[str, tuple[Found, ...]] = {}
#: Every installed entry point by group, from the one scan (``None``: not scanned yet).
_raw: dict[str, list[importlib.metadata.EntryPoint]] | None = None
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Found:
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
    return re.sub(r"[-_.]+", "-", name).lower()


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


def _scan_all() -> dict[str, list[importlib.metadata.EntryPoint]]:
    """One pass over every distribution, keeping graftflow's entry points by group;
    called under the lock.

    What ``importlib.metadata.entry_points()`` does, minus its cost for the hundreds of
    distributions that declare nothing for graftflow: their ``entry_points.txt`` is
    read but not parsed unless it mentions ``graftflow.``. Like ``entry_points()``,
    the first distribution of a name on the path hides later ones of the same name.
    """
    global _raw
    if _raw is None:
        raw: dict[str, list[importlib.metadata.EntryPoint]] = {}
        seen: set[str] = set()
        for dist in importlib.metadata.distributions():
            name = _normalized(dist)
            if name in seen:
                continue
            seen.add(name)
            text = dist.read_text("entry_points.txt")
            if not text or PREFIX not in text:
                continue
            for ep in dist.entry_points:
                if ep.group.startswith(PREFIX):
                    raw.setdefault(ep.group, []).append(ep)
        _raw = raw
    return _raw


def _normalized(dist: importlib.metadata.Distribution) -> str:
    # PathDistribution derives it from its directory name, without reading METADATA;
    # any other kind of distribution gives its name the long way.
    name = getattr(dist, "_normalized_name", None)
    if isinstance(name, str) and name:
        return name
    return canonical(dist.metadata["Name"] or "")


def _scan(group: str) -> list[Found]:
    result = []
    identities: dict[int, tuple[str, str] | tuple[None, None]] = {}
    for ep in _scan_all().get(group, ()):
        dist = getattr(ep, "dist", None)
        if dist is None:
            name, version = None, None
        else:
            identity = identities.get(id(dist))
            if identity is None:
                identity = identities[id(dist)] = _identity(dist)
            name, version = identity
        result.append(
            Found(
                name=ep.name,
                value=ep.value,
                module=ep.module,
                attr=ep.attr or None,
                dist=name,
                version=version,
            )
        )
    return result


def _identity(dist: importlib.metadata.Distribution) -> tuple[str, str] | tuple[None, None]:
    """A distribution's name and version, read from the head of its METADATA.

    ``dist.name`` and ``dist.version`` each parse the whole file with the email package
    (whose import alone costs ~10 ms): session start reads only the two header lines it
    needs, and falls back to the full parse for anything unusual.
    """
    try:
        text = dist.read_text("METADATA")
    except OSError:
        text = None
    name = version = None
    for line in (text or "").splitlines():
        if not line:
            break  # the headers end at the first blank line
        if line.startswith("Name:"):
            name = line[5:].strip()
        elif line.startswith("Version:"):
            version = line[8:].strip()
        if name and version:
            return name, version
    try:
        return dist.name, dist.version
    except Exception:  # metadata this broken gives no name to show
        return None, None


def _order(found: Found) -> tuple[str, str, str]:
    return (canonical(found.dist or ""), found.name, found.value)
