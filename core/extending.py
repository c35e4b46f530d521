"""What extension and plugin authors may build on, beyond ``import graftflow``.

``graftflow`` is the API of people who model a production. This module is the rest of
the core that people who *extend* graftflow need: a manager type of their own, a
relation class, a plugin that stores JSON or names functions by reference. graftflow's
own upper layers (``graftflow.extensions``, ``graftflow.plugins``) use nothing else of
the core (``tests/test_imports.py`` refuses any ``graftflow._*`` import outside the
core), so whatever they can do, a studio's package can do the same way.

Managers (the seam the extension mechanism plugs into):

- :class:`TreeManager`: subclass it and set ``_MANAGER_TYPE`` on a class; the core asks
  its ``relations()``, ``relation(name)``, ``resolve(relation)`` and ``undeclared(name)``.
- :func:`serve_undeclared` and :class:`Served`: route a name known in advance straight
  to ``undeclared(name)``, skipping the failed lookup that precedes ``__getattr__``.
- :func:`keep_related`: cache what a relation built on its object, first thread wins.
- Lean items: a manager type with ``_gf_lean`` lets plain maps build its objects
  without it, as they build plain items, while ``_gf_lean_state()`` gives them
  something to be served from (kept in their ``_gf_dyn`` slot); it serves their
  undeclared names itself (``_gf_serve()``, reached through
  ``serve_undeclared(cls, name, lean=True)``) and takes that state over when the
  manager is made after all (``_gf_adopt()``); :func:`set_lean_state` changes that
  state. graftflow.extensions' manager does it for classes whose factories are all
  per-type or all ``@dynamic_relation`` factories of names of their own.

Relations:

- :data:`UNSET`: the index of a relation nobody placed; :func:`order_relations` lays
  out ``(item, index)`` pairs by the one placement rule; :func:`check_relation_name`.
  A relation's ``renamed(name)`` copies it under a name (never rename one you were
  given: it may be shared).

Per-session state: ``Session.build_state(key, build, building=...)`` builds a layer's
state once per session, whichever thread asks first (the registry is kept that way).

Values and stores:

- :data:`JSONValue`, :func:`json_error` (why a value is not JSON, or ``None``), and
  :data:`MISSING`, the ``default`` that tells "no value" from a stored ``None``.
- :func:`register_store_scheme` teaches ``open_store`` a URL scheme for the whole
  process (and returns the undo); :func:`known_store_schemes` lists what it knows.
- :class:`ComputedValue` and :class:`ConnectionValue`, the value handles of
  ``Computed`` and ``Connection``, for relation authors who subclass them (a param's,
  ``ParamValue``, is in ``graftflow``: it types the values users read).

References (``module:qualname``, never evaluated):

- :func:`ref_of` names a class or function; :func:`import_ref` / :func:`import_type`
  import one back with one wording for every failure; :func:`installer_ref` parses one
  as users write it (whitespace around ``:`` and ``.`` is layout).

Messages: :func:`did_you_mean`, :func:`short_repr` (a value shown in one line).
"""

from __future__ import annotations

from ._computed import ComputedValue
from ._errors import did_you_mean, short_repr
from ._json import JSONValue, json_error
from ._links import ConnectionValue
from ._manager import TreeManager
from ._object import Served, serve_undeclared
from ._oid import check_relation_name
from ._place import set_dyn as set_lean_state
from ._refs import import_ref, import_type, installer_ref, ref_of
from ._relation import UNSET, keep_related, order_relations
from .stores._store import MISSING, known_store_schemes, register_store_scheme

__all__ = [
    "MISSING",
    "UNSET",
    "ComputedValue",
    "ConnectionValue",
    "JSONValue",
    "Served",
    "TreeManager",
    "check_relation_name",
    "did_you_mean",
    "import_ref",
    "import_type",
    "installer_ref",
    "json_error",
    "keep_related",
    "known_store_schemes",
    "order_relations",
    "ref_of",
    "register_store_scheme",
    "serve_undeclared",
    "set_lean_state",
    "short_repr",
]
