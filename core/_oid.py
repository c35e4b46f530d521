"""Names and oids: what may be called what, and how paths through the tree are spelled.

An oid is the path of an object from the root: ``/project/films/f01/status``. Relation
names are Python identifiers (they are attribute names); map item and project names are
a little wider (``sh010``, ``010``, ``char-bob``, ``v001.ma``) because studios name
things that way, but never contain ``/`` nor are ``.`` or ``..``, which oids use for
navigation. Everything here is pure string work: no ``exec``, no object access.

Names are Unicode, as Python identifiers are (``démo``, ``ショット``), and kept in NFC,
the composed form: ``é`` typed as one character or as ``e`` plus an accent (as macOS
file names spell it) is one name, written and found the same way.
"""

from __future__ import annotations

import keyword
import re

from ._errors import InvalidNameError, InvalidOidError

__all__ = [
    "ITEM_NAME_RULE",
    "check_item_name",
    "check_relation_name",
    "nfc",
    "split_oid",
]

#: What a map item or project name may look like, in words (used in error messages).
ITEM_NAME_RULE = (
    "letters and digits (of any script), '_', '-' and '.', not starting with '.' or '-', "
    "at most 255 characters"
)
#: The ASCII names: checked at once, without looking at characters one by one.
_ASCII_ITEM_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}")


def nfc(name: str) -> str:
    """``name`` in NFC, the form names are kept in (ASCII is already)."""
    if name.isascii():
        return name
    import unicodedata  # a C extension to load: only for names past ASCII

    return unicodedata.normalize("NFC", name)


def _is_item_name(name: str) -> bool:
    """Whether ``name`` (in NFC) can name a map item or a project.

    Past ASCII, a character is allowed where Python allows it after the first letter
    of an identifier (letters, digits and combining marks of any script); the first
    one is a letter, a digit or ``_``.
    """
    if name.isascii():
        return _ASCII_ITEM_NAME.fullmatch(name) is not None
    if not name or len(name) > 255 or not (name[0] == "_" or name[0].isalnum()):
        return False
    return all(char in "-." or ("a" + char).isidentifier() for char in name)


#: Protected names graftflow keeps for its own state (``_gf...`` is kept as a prefix).
_OWN_NAMES = frozenset({"_mng"})


def check_relation_name(name: object, where: str, *, protected: bool = False) -> str:
    """Return ``name`` (in NFC) if it can name a relation, else raise
    :class:`InvalidNameError`.

    Relation names become attributes, so they must be identifiers and not keywords.
    A *protected* name (``_thumbnail``) is accepted where ``protected`` is true: on
    relations declared on a class, as kabaret flows declare them all the time (issue
    13); tools hide them from listings. Dynamic relations are served through
    ``__getattr__``, whose fast path refuses every ``_`` name, so they stay public.
    Dunder names (Python mangles ``__x``), ``_mng`` and the ``_gf`` prefix are
    graftflow's own state, never a relation.

    :param where: who asks, for the message (``"relation of Shot"``).
    :param protected: accept one leading underscore.
    """
    if not isinstance(name, str):
        raise InvalidNameError(
            name, f"{where}: a relation name must be a str, not {type(name).__name__}"
        )
    name = nfc(name)
    if not name.isidentifier():
        raise InvalidNameError(
            name, f"{where}: {name!r} is not a valid relation name (it must be a Python identifier)"
        )
    if keyword.iskeyword(name):
        raise InvalidNameError(
            name, f"{where}: {name!r} is a Python keyword; choose another relation name"
        )
    if name.startswith("_"):
        if not protected:
            raise InvalidNameError(
                name,
                f"{where}: {name!r} starts with '_'; only relations declared on a class may "
                "be protected (_name)",
            )
        if name.startswith(("__", "_gf")) or name in _OWN_NAMES:
            raise InvalidNameError(
                name,
                f"{where}: {name!r} is reserved for graftflow internals (dunder names, _mng "
                "and the _gf prefix); choose another relation name",
            )
    return name


def check_item_name(name: object, where: str) -> str:
    """Return ``name`` (in NFC) if it can name a map item or a project, else raise.

    :param where: the oid of the map (or ``"the flow"``), for the message.
    """
    if not isinstance(name, str):
        raise InvalidNameError(
            name, f"{where}: an item name must be a str, not {type(name).__name__}"
        )
    if name.isascii():  # nfc() and _is_item_name() in one step: every Map.add() asks
        # Letters, digits and '_' need no pattern (add_many() checks every name here).
        if len(name) <= 255 and (name.isalnum() or name.isidentifier()):
            return name
        if _ASCII_ITEM_NAME.fullmatch(name) is not None:
            return name
    else:
        name = nfc(name)
        if _is_item_name(name):
            return name
    raise InvalidNameError(name, f"{where}: invalid name {name!r}: use {ITEM_NAME_RULE}")


def split_oid(oid: object) -> tuple[bool, tuple[str, ...]]:
    """Parse an oid into ``(is_absolute, parts)``.

    ``"/"`` is the root, ``"/a/b"`` is absolute, ``"a/../b"`` and ``"."`` are relative.
    Parts are item names, in NFC (see :data:`ITEM_NAME_RULE`), ``"."`` or ``".."``; empty parts
    (``"a//b"``) and a trailing slash are refused rather than guessed at.
    """
    if not isinstance(oid, str):
        raise InvalidOidError(oid, f"an oid must be a str, not {type(oid).__name__}")
    if not oid:
        raise InvalidOidError(oid, "an empty string is not an oid; the root is '/'")
    absolute = oid.startswith("/")
    if oid == "/":
        return True, ()
    body = nfc(oid[1:] if absolute else oid)
    parts = tuple(body.split("/"))
    for part in parts:
        if part in (".", ".."):
            continue
        if not part:
            raise InvalidOidError(
                oid, f"invalid oid {oid!r}: empty name between slashes or a trailing '/'"
            )
        if not _is_item_name(part):
            raise InvalidOidError(
                oid, f"invalid oid {oid!r}: {part!r} is not a valid name ({ITEM_NAME_RULE})"
            )
    return absolute, parts
