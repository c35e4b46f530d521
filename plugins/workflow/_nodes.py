"""Nodes and definitions: a process definition is a graph of nodes, and it is data.

Every node is a small frozen dataclass whose fields are JSON (names, state keys and
``module:qualname`` function references), so a definition built in Python, one read
from a TOML file and the copy a running process keeps in the store are the same thing.
A process stores its definition's data, not a pointer to code that may change or
vanish: it resumes in another program with exactly the graph it started with.

Each node kind is described once, by its dataclass fields: a field's ``check`` (its
metadata) turns what was given into the stored form and refuses anything else, naming
the node and the field. Python code, TOML files (:mod:`._definition_file`) and stored
copies all come through that one description; the graph as a whole (names, edges, one
start, an end) is checked by :class:`Definition`.

Functions are referred to by ``module:qualname`` and imported with importlib when they
are needed; nothing is ever evaluated. A Python callable given to a node is turned into
its reference at once, so a lambda or a function defined inside another function
(which no other process could import) is refused when the definition is built.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, MISSING, dataclass, field, fields
from typing import Any, ClassVar, Final, TypeAlias

from graftflow import GraftflowError
from graftflow.extending import did_you_mean, ref_of
from graftflow.extending import import_ref as _import_ref

from ._retry import RetryPolicy

__all__ = [
    "NODE_KINDS",
    "Case",
    "Definition",
    "DefinitionError",
    "End",
    "Func",
    "FunctionRef",
    "Goto",
    "Handler",
    "If",
    "Job",
    "Join",
    "Node",
    "Split",
    "Start",
    "Switch",
    "Task",
    "WorkflowError",
    "import_ref",
    "node_from_data",
    "read_state_path",
]

#: A function (or an Activity class), or its ``module:qualname`` reference.
FunctionRef: TypeAlias = "str | Callable[..., Any]"

_NODE_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


class WorkflowError(GraftflowError, RuntimeError):
    """A process cannot do what was asked (nothing to execute, a finished process...)."""


class DefinitionError(GraftflowError, ValueError):
    """A process definition is wrong: names the definition (or file), node and field.

    :ivar where: the definition name or file path (a node kind for a lone node).
    :ivar node: the node at fault (``None`` for the definition as a whole).
    :ivar field: the field at fault (``None`` if it is the node itself).
    """

    def __init__(self, where: str, node: str | None, field: str | None, problem: str) -> None:
        parts = [where]
        if node is not None:
            parts.append(f"node {node!r}")
        if field is not None:
            parts.append(f"field {field!r}")
        super().__init__(f"{': '.join(parts)}: {problem}")
        self.where = where
        self.node = node
        self.field = field
        self.problem = problem


# -- function references ------------------------------------------------------------------


def import_ref(ref: FunctionRef) -> Callable[..., Any]:
    """The callable a ``module:qualname`` reference names (a callable is itself).

    :raises ImportError: naming the module or attribute that failed.
    """
    target = ref if callable(ref) else _import_ref(ref)
    if not callable(target):
        raise ImportError(f"{ref!r} is a {type(target).__name__}, not a callable")
    return target


_MISSING: Final = object()


def read_state_path(state: Mapping[str, Any], path: str) -> Any:
    """Read ``a.b.c`` from nested dicts; a missing step reads as ``None``."""
    value: Any = state
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part, _MISSING)
        if value is _MISSING:
            return None
    return value


# -- field checks: what each kind of field accepts, and the form it keeps ---------------


class _Invalid(ValueError):
    """A field's value is refused; ``at`` is a position inside it (``[2]``, ``.next``)."""

    def __init__(self, problem: str, at: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.at = at


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"must be a string, not {type(value).__name__} {value!r}")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise _Invalid(f"must be a list of strings, not {type(value).__name__} {value!r}")
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise _Invalid(f"must be a string, not {type(item).__name__} {item!r}", f"[{i}]")
    return items


def _ref(value: Any) -> str:
    """A function reference: a callable becomes ``module:qualname``, a str stays."""
    if isinstance(value, str):
        if not value:
            raise _Invalid("is empty; name a function ('module:qualname')")
        if not re.fullmatch(r"[\w.]+:[\w.]+", value):
            raise _Invalid(f"{value!r}: expected a 'module:qualname' reference")
        return value
    if not callable(value):
        raise _Invalid(f"must be a function or a 'module:qualname' string, not {value!r}")
    qualname = getattr(value, "__qualname__", "")
    if not getattr(value, "__module__", None) or not qualname:
        raise _Invalid(f"{value!r} has no module and qualname to refer to it by")
    if "<lambda>" in qualname or "<locals>" in qualname:
        raise _Invalid(
            f"{qualname} cannot be imported by another process (a lambda or a function "
            "defined inside a function); define it at module level"
        )
    return ref_of(value)


def _optional_ref(value: Any) -> str | None:
    return None if value is None else _ref(value)


def _refs(value: Any) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise _Invalid(f"must be a list of functions, not {type(value).__name__} {value!r}")
    refs = []
    for i, item in enumerate(value):
        try:
            refs.append(_ref(item))
        except _Invalid as exc:
            raise _Invalid(exc.problem, f"[{i}]{exc.at}") from None
    return tuple(refs)


def _cases(value: Any) -> tuple[Case, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise _Invalid(f"must be a list of cases, not {type(value).__name__} {value!r}")
    cases = []
    for i, item in enumerate(value):
        if isinstance(item, Case):
            cases.append(item)
            continue
        if not isinstance(item, Mapping):
            raise _Invalid(f"must be a case (a table), not {item!r}", f"[{i}]")
        try:
            cases.append(_build(Case, item))
        except _Invalid as exc:
            raise _Invalid(exc.problem, f"[{i}]{exc.at}") from None
        except DefinitionError as exc:  # the case's own check
            raise _Invalid(exc.problem, f"[{i}]" + (f".{exc.field}" if exc.field else "")) from None
    return tuple(cases)


def _retry(value: Any) -> RetryPolicy | None:
    if value is None or isinstance(value, RetryPolicy):
        return value
    if not isinstance(value, Mapping):
        raise _Invalid(f"must be a retry policy (a table), not {value!r}")
    try:
        policy: RetryPolicy = _build(RetryPolicy, value)
        return policy
    except _Invalid:
        raise
    except ValueError as exc:  # RetryPolicy's own check: "<field> must be ..."
        problem = str(exc).removeprefix("RetryPolicy: ")
        name = problem.partition(" ")[0]
        at = f".{name}" if name in {f.name for f in fields(RetryPolicy)} else ""
        raise _Invalid(problem, at) from None


def _checked(check: Callable[[Any], Any], *, key: str = "") -> dict[str, Any]:
    """A field's metadata: its value goes through ``check``; ``key`` names it in data
    (``else``, which Python cannot name a field)."""
    return {"check": check, "key": key}


def _build(cls: Any, data: Mapping[str, Any]) -> Any:
    """``cls(**data)`` for data keyed as files and stores write it: an unknown key or a
    missing field is refused by name (not by a TypeError about arguments)."""
    by_key = {(f.metadata.get("key") or f.name): f for f in fields(cls) if f.init}
    values: dict[str, Any] = {}
    for key, value in data.items():
        found = by_key.get(key) if isinstance(key, str) else None
        if found is None:
            raise _Invalid(f"unknown field{did_you_mean(str(key), by_key)}", f".{key}")
        values[found.name] = value
    for key, each in by_key.items():
        if each.name not in values and each.default is MISSING and each.default_factory is MISSING:
            raise _Invalid("missing", f".{key}")
    return cls(**values)


def _run_checks(obj: Any) -> None:
    """Run every field's check on a freshly built dataclass and keep what it returns."""
    for each in fields(obj):
        check = each.metadata.get("check")
        if check is None:
            continue
        try:
            value = check(getattr(obj, each.name))
        except _Invalid as exc:
            key = each.metadata.get("key") or each.name
            raise _Invalid(exc.problem, f".{key}{exc.at}") from None
        object.__setattr__(obj, each.name, value)


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, (Case, RetryPolicy)):
        return _changed_fields(value)
    return value


def _changed_fields(obj: Any) -> dict[str, Any]:
    """The fields of ``obj`` that differ from their defaults, keyed as in data."""
    data: dict[str, Any] = {}
    for each in fields(obj):
        value = getattr(obj, each.name)
        default = each.default_factory() if callable(each.default_factory) else each.default
        if default is MISSING or value != default:
            data[each.metadata.get("key") or each.name] = _to_json(value)
    return data


# -- nodes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One branch of a :class:`Switch`: taken when its test holds.

    Give ``when`` (a state key, dotted for nested dicts, tested for truth) or
    ``condition`` (``condition(state) -> bool``): exactly one.
    """

    next: str = field(metadata=_checked(_text))
    _: KW_ONLY
    when: str | None = field(default=None, metadata=_checked(_optional_text))
    condition: FunctionRef | None = field(default=None, metadata=_checked(_optional_ref))

    def __post_init__(self) -> None:
        try:
            _run_checks(self)
            _one_test(self.when, self.condition)
        except _Invalid as exc:
            raise DefinitionError("Case", None, exc.at.lstrip(".") or None, exc.problem) from None


def _one_test(when: str | None, condition: FunctionRef | None) -> None:
    if (when is None) == (condition is None):
        raise _Invalid("give exactly one of 'when' (a state key) or 'condition' (a function)")


def evaluate(when: str | None, condition: FunctionRef | None, state: Mapping[str, Any]) -> bool:
    """Whether a ``when`` state test or a ``condition`` function holds for ``state``."""
    if condition is not None:
        return bool(import_ref(condition)(state))
    return bool(read_state_path(state, when or ""))


@dataclass(frozen=True)
class Node:
    """Base of every node kind; ``name`` is unique within its definition.

    A node refuses a wrong field when it is built, with a :class:`DefinitionError`
    naming its kind, name and field.
    """

    #: The ``kind`` field of the node's data (and of a TOML node).
    kind: ClassVar[str] = ""
    #: Fields holding function references, checked importable when a file is loaded.
    ref_fields: ClassVar[tuple[str, ...]] = ()

    name: str = field(metadata=_checked(_text))

    def __post_init__(self) -> None:
        try:
            _run_checks(self)
            self._validate()
        except _Invalid as exc:
            raise DefinitionError(
                type(self).__name__, self.name, exc.at.lstrip(".") or None, exc.problem
            ) from None

    def _validate(self) -> None:
        """Checks across fields (each field's own check has run)."""

    def targets(self) -> list[tuple[str, str]]:
        """The outgoing edges: ``(label, node name)``; the label is for diagrams."""
        return []

    def edge_fields(self) -> list[tuple[str, str]]:
        """``(field, node name)`` of every edge, for error messages."""
        return [(label or "next", target) for label, target in self.targets()]

    def to_data(self) -> dict[str, Any]:
        """The node as JSON: ``kind``, ``name`` and every field that is not its default."""
        return {"kind": self.kind, "name": self.name, **_changed_fields(self)}


@dataclass(frozen=True)
class _Linear(Node):
    next: str = field(default="", metadata=_checked(_text))

    def targets(self) -> list[tuple[str, str]]:
        return [("", self.next)]


@dataclass(frozen=True)
class Start(_Linear):
    """Where a process begins (exactly one per definition): a person's task, done by
    whoever starts the process.

    :ivar users: who may start a process of this definition (empty: anybody); the
        start task's ``has_perm(user)`` is asked for the session's user.
    """

    kind: ClassVar[str] = "start"

    _: KW_ONLY
    users: Sequence[str] = field(default=(), metadata=_checked(_texts))


@dataclass(frozen=True)
class Task(_Linear):
    """A human task: waits for a person (``assign``, ``prepare``, ``done``).

    :ivar actions: functions ``action(state, **input)`` run by ``done(**input)``, in
        order; one that returns a mapping updates the state with it.
    :ivar users: who may work on it (empty: anybody).
    :ivar assign_to: assign the task to this user as soon as it is activated.
    """

    kind: ClassVar[str] = "task"
    ref_fields: ClassVar[tuple[str, ...]] = ("actions",)

    _: KW_ONLY
    actions: Sequence[FunctionRef] = field(default=(), metadata=_checked(_refs))
    users: Sequence[str] = field(default=(), metadata=_checked(_texts))
    assign_to: str = field(default="", metadata=_checked(_text))


@dataclass(frozen=True)
class Job(_Linear):
    """A background function run by a worker from the store's work queue (kind ``job``).

    :ivar func: ``func(context)``, or an :class:`~graftflow.plugins.workflow.Activity`
        class; ``context.input`` is the input, its JSON result is kept on the task (and
        in the state under ``result_key``).
    :ivar input_key: the state key whose value is the input (empty: the whole state).
    :ivar result_key: the state key that receives the result (empty: none).
    :ivar retry: a :class:`RetryPolicy` (a table of its fields in files).
    """

    kind: ClassVar[str] = "job"
    ref_fields: ClassVar[tuple[str, ...]] = ("func",)

    _: KW_ONLY
    func: FunctionRef = field(metadata=_checked(_ref))
    input_key: str = field(default="", metadata=_checked(_text))
    result_key: str = field(default="", metadata=_checked(_text))
    retry: RetryPolicy | Mapping[str, Any] | None = field(default=None, metadata=_checked(_retry))


@dataclass(frozen=True)
class Func(_Linear):
    """A function run at once when the node is reached: ``func(state)``.

    A returned mapping updates the state. If it raises, the task goes to ERROR with
    the traceback kept, and ``retry()`` runs it again.
    """

    kind: ClassVar[str] = "func"
    ref_fields: ClassVar[tuple[str, ...]] = ("func",)

    _: KW_ONLY
    func: FunctionRef = field(metadata=_checked(_ref))


@dataclass(frozen=True)
class Handler(Func):
    """Like :class:`Func`, but the callback receives the task: ``func(task)``.

    For callbacks that need more than the state (the process, its shot, the flow).
    """

    kind: ClassVar[str] = "handler"


@dataclass(frozen=True)
class If(Node):
    """Go to ``then`` when the test holds, else to ``else_`` (``else`` in files).

    Give ``when`` (a state key) or ``condition`` (``condition(state) -> bool``).
    """

    kind: ClassVar[str] = "if"
    ref_fields: ClassVar[tuple[str, ...]] = ("condition",)

    _: KW_ONLY
    then: str = field(metadata=_checked(_text))
    else_: str = field(metadata=_checked(_text, key="else"))
    when: str | None = field(default=None, metadata=_checked(_optional_text))
    condition: FunctionRef | None = field(default=None, metadata=_checked(_optional_ref))

    def _validate(self) -> None:
        _one_test(self.when, self.condition)

    def targets(self) -> list[tuple[str, str]]:
        return [("then", self.then), ("else", self.else_)]


@dataclass(frozen=True)
class Switch(Node):
    """The first :class:`Case` whose test holds picks the next node, else ``default``.

    This is the "choice step": skipping a step or going back is a case like any other.
    """

    kind: ClassVar[str] = "switch"

    _: KW_ONLY
    cases: Sequence[Case] = field(metadata=_checked(_cases))
    default: str = field(default="", metadata=_checked(_text))

    def _validate(self) -> None:
        if not self.cases:
            raise _Invalid("a switch needs cases", ".cases")

    def targets(self) -> list[tuple[str, str]]:
        edges = [(str(case.when or case.condition), case.next) for case in self.cases]
        if self.default:
            edges.append(("default", self.default))
        return edges

    def edge_fields(self) -> list[tuple[str, str]]:
        edges = [(f"cases[{i}].next", case.next) for i, case in enumerate(self.cases)]
        if self.default:
            edges.append(("default", self.default))
        return edges


@dataclass(frozen=True)
class Goto(Node):
    """Code picks the next node: ``func(state)`` returns one of ``choices`` by name.

    The flow library's ``ChoiceStep`` with its ``next_step_selector``: any logic may
    choose, going back or skipping ahead, within the nodes the definition lists (so
    diagrams show every way on, and a name that is not listed is an error, not a jump
    into the unknown).
    """

    kind: ClassVar[str] = "goto"
    ref_fields: ClassVar[tuple[str, ...]] = ("func",)

    _: KW_ONLY
    func: FunctionRef = field(metadata=_checked(_ref))
    choices: Sequence[str] = field(metadata=_checked(_texts))

    def _validate(self) -> None:
        if not self.choices:
            raise _Invalid("a goto needs choices (the nodes func may pick)", ".choices")

    def targets(self) -> list[tuple[str, str]]:
        return [("", choice) for choice in self.choices]

    def edge_fields(self) -> list[tuple[str, str]]:
        return [(f"choices[{i}]", choice) for i, choice in enumerate(self.choices)]


@dataclass(frozen=True)
class Split(Node):
    """Start every branch in parallel, each with its own token (joined by a Join)."""

    kind: ClassVar[str] = "split"

    _: KW_ONLY
    branches: Sequence[str] = field(metadata=_checked(_texts))

    def _validate(self) -> None:
        if not self.branches:
            raise _Invalid("a split needs branches", ".branches")

    def targets(self) -> list[tuple[str, str]]:
        return [("", branch) for branch in self.branches]

    def edge_fields(self) -> list[tuple[str, str]]:
        return [(f"branches[{i}]", branch) for i, branch in enumerate(self.branches)]


@dataclass(frozen=True)
class Join(_Linear):
    """Wait until every branch of the split that was joined is DONE or CANCELED."""

    kind: ClassVar[str] = "join"


@dataclass(frozen=True)
class End(Node):
    """Finish the process, cancelling whatever is still active."""

    kind: ClassVar[str] = "end"


NODE_KINDS: Final[dict[str, type[Node]]] = {
    cls.kind: cls for cls in (Start, Task, Job, Func, Handler, If, Switch, Goto, Split, Join, End)
}


def node_from_data(data: Mapping[str, Any], where: str = "stored definition") -> Node:
    """Build a node from its data (``kind``, ``name`` and fields, as files write them).

    :raises DefinitionError: naming ``where``, the node and the field at fault.
    """
    values = dict(data)
    name = values.get("name")
    kind = values.pop("kind", None)
    node = name if isinstance(name, str) else None
    kinds = ", ".join(NODE_KINDS)
    if kind is None:
        raise DefinitionError(where, node, "kind", f"missing; one of {kinds}")
    cls = NODE_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise DefinitionError(
            where,
            node,
            "kind",
            f"unknown kind {kind!r}{did_you_mean(str(kind), NODE_KINDS)} (known: {kinds})",
        )
    try:
        return _build(cls, values)  # type: ignore[no-any-return]
    except _Invalid as exc:
        raise DefinitionError(where, node, exc.at.lstrip(".") or None, exc.problem) from None
    except DefinitionError as exc:  # a node's own check: same facts, the caller's where
        raise DefinitionError(where, node, exc.field, exc.problem) from None


# -- definitions ------------------------------------------------------------------------


@dataclass(frozen=True, init=False)
class Definition:
    """A process definition: named nodes, one :class:`Start`, at least one :class:`End`.

    Built in Python or loaded from a TOML file (:func:`load_definition`); checked when
    built, so a process never starts on a graph with a dangling edge.

    :param name: the definition's name (shown in diagrams and history).
    :param nodes: the nodes, in the order diagrams show them.
    :param where: what error messages call the definition (a file path when loaded).
    :raises DefinitionError: a duplicate or bad name, an edge to an unknown node, no
        start, several starts or no end.
    """

    name: str
    nodes: tuple[Node, ...]
    description: str = ""
    _by_name: Mapping[str, Node] = field(default_factory=dict, repr=False, compare=False)

    def __init__(
        self,
        name: str,
        nodes: Iterable[Node],
        *,
        description: str = "",
        where: str | None = None,
    ) -> None:
        # Frozen, and built from an iterable plus an error-message label: the one
        # hand-written constructor of the module.
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "nodes", tuple(nodes))
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "_by_name", self._check(where or f"definition {name!r}"))

    def _check(self, where: str) -> dict[str, Node]:
        by_name: dict[str, Node] = {}
        for node in self.nodes:
            if not isinstance(node, Node):
                raise DefinitionError(where, None, None, f"{node!r} is not a node")
            if not _NODE_NAME.fullmatch(node.name):
                raise DefinitionError(
                    where,
                    node.name,
                    "name",
                    "a node name is a letter or '_' then letters, digits or '_'",
                )
            if keyword.iskeyword(node.name):
                raise DefinitionError(where, node.name, "name", "a Python keyword cannot be one")
            if node.name in by_name:
                raise DefinitionError(where, node.name, "name", "two nodes have this name")
            by_name[node.name] = node
        starts = [n.name for n in self.nodes if isinstance(n, Start)]
        if len(starts) != 1:
            problem = "no start node" if not starts else f"several start nodes: {starts}"
            raise DefinitionError(where, None, None, f"{problem}; a definition has one")
        if not any(isinstance(n, End) for n in self.nodes):
            raise DefinitionError(where, None, None, "no end node; add one (kind 'end')")
        for node in self.nodes:
            for field_name, target in node.edge_fields():
                if not target:
                    raise DefinitionError(
                        where, node.name, field_name, "is empty; name the node that follows"
                    )
                if target not in by_name:
                    raise DefinitionError(
                        where,
                        node.name,
                        field_name,
                        f"unknown node {target!r}{did_you_mean(target, by_name)}",
                    )
        return by_name

    @property
    def start(self) -> Start:
        """The start node."""
        return next(n for n in self.nodes if isinstance(n, Start))

    def node(self, name: str) -> Node:
        """The node called ``name``.

        :raises DefinitionError: no such node (with a suggestion).
        """
        try:
            return self._by_name[name]
        except KeyError:
            raise DefinitionError(
                f"definition {self.name!r}",
                name,
                None,
                f"no such node{did_you_mean(name, self._by_name)}",
            ) from None

    def check_imports(self, where: str | None = None) -> None:
        """Import every function reference now, so a typo fails at load, not mid-process.

        :raises DefinitionError: naming the node and field whose reference fails.
        """
        for node in self.nodes:
            for field_name, ref in _refs_of(node):
                try:
                    import_ref(ref)
                except ImportError as exc:
                    raise DefinitionError(
                        where or f"definition {self.name!r}",
                        node.name,
                        field_name,
                        f"{ref!r}: {exc}",
                    ) from None

    def to_data(self) -> dict[str, Any]:
        """The definition as JSON, the form a process keeps in the store."""
        data: dict[str, Any] = {"name": self.name, "nodes": [n.to_data() for n in self.nodes]}
        if self.description:
            data["description"] = self.description
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any], where: str | None = None) -> Definition:
        """Rebuild a definition from :meth:`to_data` output (or a file's tables)."""
        where = where or "stored definition"
        if not isinstance(data.get("name"), str) or not isinstance(data.get("nodes"), list):
            raise DefinitionError(where, None, None, "malformed data (a name and a node list)")
        description = data.get("description", "")
        if not isinstance(description, str):
            raise DefinitionError(where, None, "description", "must be a string")
        nodes = [
            node_from_data(node, where) if isinstance(node, Mapping) else node
            for node in data["nodes"]
        ]
        return cls(data["name"], nodes, description=description, where=where)


def _refs_of(node: Node) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for field_name in node.ref_fields:
        value = getattr(node, field_name)
        if isinstance(value, tuple):
            found.extend((f"{field_name}[{i}]", ref) for i, ref in enumerate(value))
        elif value:
            found.append((field_name, value))
    if isinstance(node, Switch):
        found.extend(
            (f"cases[{i}].condition", str(case.condition))
            for i, case in enumerate(node.cases)
            if case.condition
        )
    return found
