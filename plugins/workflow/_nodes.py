"""Nodes and definitions: a process definition is a graph of nodes, and it is data.

Every node is a small frozen dataclass whose fields are JSON (names, state keys and
``module:qualname`` function references), so a definition built in Python, one read
from a TOML file and the copy a running process keeps in the store are the same thing.
A process stores its definition's data, not a pointer to code that may change or
vanish: it resumes in another program with exactly the graph it started with.

Functions are referred to by ``module:qualname`` and imported with importlib when they
are needed; nothing is ever evaluated. A Python callable given to a node is turned into
its reference at once, so a lambda or a function defined inside another function
(which no other process could import) is refused when the definition is built.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Final, TypeAlias

from graftflow import GraftflowError
from graftflow.extending import did_you_mean, ref_of
from graftflow.extending import import_ref as _import_ref

__all__ = [
    "Case",
    "Definition",
    "DefinitionError",
    "End",
    "Func",
    "FunctionRef",
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
    "read_state_path",
]

#: A function, or its ``module:qualname`` reference.
FunctionRef: TypeAlias = "str | Callable[..., Any]"

_NODE_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


class WorkflowError(GraftflowError, RuntimeError):
    """A process cannot do what was asked (nothing to execute, a finished process...)."""


class DefinitionError(GraftflowError, ValueError):
    """A process definition is wrong: names the definition (or file), node and field.

    :ivar where: the definition name or file path.
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


# -- function references ------------------------------------------------------------------


def as_ref(value: FunctionRef | None, what: str) -> str | None:
    """Turn a callable into its ``module:qualname`` reference (a str is kept as given)."""
    if value is None or isinstance(value, str):
        return value
    if not callable(value):
        raise TypeError(f"{what} must be a function or a 'module:qualname' str, not {value!r}")
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if not module or not qualname:
        raise TypeError(f"{what}: {value!r} has no module and qualname to refer to it by")
    if "<lambda>" in qualname or "<locals>" in qualname:
        raise TypeError(
            f"{what}: {qualname} cannot be imported by another process (a lambda or a "
            "function defined inside a function); define it at module level"
        )
    return ref_of(value)


def import_ref(ref: str) -> Callable[..., Any]:
    """Import the callable a ``module:qualname`` reference names.

    :raises ImportError: naming the module or attribute that failed.
    """
    target = _import_ref(ref)
    if not callable(target):
        raise ImportError(f"{ref!r} is a {type(target).__name__}, not a callable")
    return target  # type: ignore[no-any-return]


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


# -- nodes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """Base of every node kind; ``name`` is unique within its definition."""

    #: The ``kind`` field of the node's data (and of a TOML node).
    kind: ClassVar[str] = ""
    #: Fields holding function references, checked importable when a file is loaded.
    ref_fields: ClassVar[tuple[str, ...]] = ()

    name: str

    def targets(self) -> list[tuple[str, str]]:
        """The outgoing edges: ``(label, node name)``; the label is for diagrams."""
        return []

    def edge_fields(self) -> list[tuple[str, str]]:
        """``(field, node name)`` of every edge, for error messages."""
        return [(label or "next", target) for label, target in self.targets()]

    def to_data(self) -> dict[str, Any]:
        """The node as JSON: ``kind`` plus every field that is not its default."""
        data: dict[str, Any] = {"kind": self.kind, "name": self.name}
        for each in fields(self):
            if each.name == "name":
                continue
            value = getattr(self, each.name)
            default = each.default_factory() if callable(each.default_factory) else each.default
            if value != default:
                data[each.name] = _to_json(value)
        return data


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, Case):
        return {k: v for k, v in (("next", value.next), ("when", value.when)) if v is not None} | (
            {"condition": value.condition} if value.condition is not None else {}
        )
    return value


@dataclass(frozen=True)
class _Linear(Node):
    next: str = ""

    def targets(self) -> list[tuple[str, str]]:
        return [("", self.next)]


@dataclass(frozen=True)
class Start(_Linear):
    """Where a process begins: exactly one per definition."""

    kind: ClassVar[str] = "start"


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

    actions: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    assign_to: str = ""

    def __init__(
        self,
        name: str,
        next: str = "",
        *,
        actions: Iterable[FunctionRef] = (),
        users: Iterable[str] = (),
        assign_to: str = "",
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "next", next)
        refs = tuple(as_ref(a, f"Task {name!r} actions") for a in actions)
        object.__setattr__(self, "actions", refs)
        object.__setattr__(self, "users", tuple(users))
        object.__setattr__(self, "assign_to", assign_to)


@dataclass(frozen=True)
class Job(_Linear):
    """A background function run by a worker from the store's work queue.

    :ivar func: ``func(context)``; ``context.input`` is the input, its JSON result is
        kept on the task (and in the state under ``result_key``).
    :ivar input_key: the state key whose value is the input (empty: the whole state).
    :ivar result_key: the state key that receives the result (empty: none).
    :ivar retry: a retry policy as data (``max_attempts``, ``initial_backoff``...).
    """

    kind: ClassVar[str] = "job"
    ref_fields: ClassVar[tuple[str, ...]] = ("func",)

    func: str = ""
    input_key: str = ""
    result_key: str = ""
    retry: Mapping[str, Any] | None = None

    def __init__(
        self,
        name: str,
        next: str = "",
        *,
        func: FunctionRef,
        input_key: str = "",
        result_key: str = "",
        retry: Mapping[str, Any] | None = None,
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "next", next)
        object.__setattr__(self, "func", as_ref(func, f"Job {name!r} func") or "")
        object.__setattr__(self, "input_key", input_key)
        object.__setattr__(self, "result_key", result_key)
        object.__setattr__(self, "retry", dict(retry) if retry is not None else None)

    def __hash__(self) -> int:
        return hash((self.name, self.func))


@dataclass(frozen=True)
class Func(_Linear):
    """A function run at once when the node is reached: ``func(state)``.

    A returned mapping updates the state. If it raises, the task goes to ERROR with
    the traceback kept, and ``retry()`` runs it again.
    """

    kind: ClassVar[str] = "func"
    ref_fields: ClassVar[tuple[str, ...]] = ("func",)

    func: str = ""

    def __init__(self, name: str, next: str = "", *, func: FunctionRef) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "next", next)
        object.__setattr__(self, "func", as_ref(func, f"{type(self).__name__} {name!r} func"))


@dataclass(frozen=True, init=False)
class Handler(Func):
    """Like :class:`Func`, but the callback receives the task: ``func(task)``.

    For callbacks that need more than the state (the process, its shot, the flow).
    """

    kind: ClassVar[str] = "handler"


@dataclass(frozen=True)
class Case:
    """One branch of a :class:`Switch`: taken when its test holds.

    Give ``when`` (a state key, dotted for nested dicts, tested for truth) or
    ``condition`` (``condition(state) -> bool``).
    """

    next: str
    when: str | None = None
    condition: str | None = None

    def __init__(
        self, next: str, *, when: str | None = None, condition: FunctionRef | None = None
    ) -> None:
        object.__setattr__(self, "next", next)
        object.__setattr__(self, "when", when)
        object.__setattr__(self, "condition", as_ref(condition, f"Case {next!r} condition"))


def evaluate(when: str | None, condition: str | None, state: Mapping[str, Any]) -> bool:
    """Whether a ``when`` state test or a ``condition`` function holds for ``state``."""
    if condition is not None:
        return bool(import_ref(condition)(state))
    if when is not None:
        return bool(read_state_path(state, when))
    return True


@dataclass(frozen=True)
class If(Node):
    """Go to ``then`` when the test holds, else to ``else_`` (``else`` in files)."""

    kind: ClassVar[str] = "if"
    ref_fields: ClassVar[tuple[str, ...]] = ("condition",)

    then: str = ""
    else_: str = ""
    when: str | None = None
    condition: str | None = None

    def __init__(
        self,
        name: str,
        *,
        then: str,
        else_: str,
        when: str | None = None,
        condition: FunctionRef | None = None,
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "then", then)
        object.__setattr__(self, "else_", else_)
        object.__setattr__(self, "when", when)
        object.__setattr__(self, "condition", as_ref(condition, f"If {name!r} condition"))

    def targets(self) -> list[tuple[str, str]]:
        return [("then", self.then), ("else", self.else_)]

    def edge_fields(self) -> list[tuple[str, str]]:
        return [("then", self.then), ("else", self.else_)]

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        data["else"] = data.pop("else_", self.else_)
        return data


@dataclass(frozen=True)
class Switch(Node):
    """The first :class:`Case` whose test holds picks the next node, else ``default``.

    This is the "choice step": skipping a step or going back is a case like any other.
    """

    kind: ClassVar[str] = "switch"

    cases: tuple[Case, ...] = ()
    default: str = ""

    def __init__(self, name: str, *, cases: Sequence[Case], default: str = "") -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "cases", tuple(cases))
        object.__setattr__(self, "default", default)

    def targets(self) -> list[tuple[str, str]]:
        edges = [(case.when or case.condition or "?", case.next) for case in self.cases]
        if self.default:
            edges.append(("default", self.default))
        return edges

    def edge_fields(self) -> list[tuple[str, str]]:
        edges = [(f"cases[{i}].next", case.next) for i, case in enumerate(self.cases)]
        if self.default:
            edges.append(("default", self.default))
        return edges


@dataclass(frozen=True)
class Split(Node):
    """Start every branch in parallel, each with its own token (joined by a Join)."""

    kind: ClassVar[str] = "split"

    branches: tuple[str, ...] = ()

    def __init__(self, name: str, *, branches: Sequence[str]) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "branches", tuple(branches))

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
    cls.kind: cls for cls in (Start, Task, Job, Func, Handler, If, Switch, Split, Join, End)
}


def node_from_data(data: Mapping[str, Any]) -> Node:
    """Rebuild a node from :meth:`Node.to_data` (already validated data)."""
    values = dict(data)
    kind = values.pop("kind")
    cls = NODE_KINDS[kind]
    if cls is If and "else" in values:
        values["else_"] = values.pop("else")
    if cls is Switch:
        values["cases"] = [Case(**case) for case in values.get("cases", ())]
    return cls(**values)


# -- definitions ------------------------------------------------------------------------


@dataclass(frozen=True)
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
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "nodes", tuple(nodes))
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "_by_name", {})
        self._check(where or f"definition {name!r}")

    def _check(self, where: str) -> None:
        by_name: dict[str, Node] = self._by_name  # type: ignore[assignment]
        for node in self.nodes:
            if not isinstance(node, Node):
                raise DefinitionError(where, None, None, f"{node!r} is not a node")
            if not isinstance(node.name, str) or not _NODE_NAME.fullmatch(node.name):
                raise DefinitionError(
                    where,
                    str(node.name),
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
            if isinstance(node, Switch) and not node.cases:
                raise DefinitionError(where, node.name, "cases", "a switch needs cases")
            if isinstance(node, Split) and not node.branches:
                raise DefinitionError(where, node.name, "branches", "a split needs branches")
            if isinstance(node, Job) and not node.func:
                raise DefinitionError(where, node.name, "func", "a job needs a function")

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
            for field_name, ref in _refs(node):
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
        """Rebuild a definition from :meth:`to_data` output."""
        try:
            nodes = [node_from_data(node) for node in data["nodes"]]
            return cls(data["name"], nodes, description=data.get("description", ""), where=where)
        except (KeyError, TypeError) as exc:
            raise DefinitionError(
                where or "stored definition", None, None, f"malformed data ({exc})"
            ) from None


def _refs(node: Node) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for field_name in node.ref_fields:
        value = getattr(node, field_name)
        if isinstance(value, tuple):
            found.extend((f"{field_name}[{i}]", ref) for i, ref in enumerate(value))
        elif value:
            found.append((field_name, value))
    if isinstance(node, Switch):
        found.extend(
            (f"cases[{i}].condition", case.condition)
            for i, case in enumerate(node.cases)
            if case.condition
        )
    return found
