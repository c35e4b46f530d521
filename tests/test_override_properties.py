"""Override resolution, property-tested against a reference model (issue 15).

Hypothesis makes up a class (some base relations) and installers, each with
extensions and factories offering candidates: names from a small pool (so they
collide), weights with ties and negatives, indexes unset, ``None`` or placed, and now
and then a relation of another kind than the base one. The manager's answer, through
``describe()`` and ``graftflow.relations()``, must be the model's:

- per name, the highest weight wins; equal weights go to the candidate found last;
- a negative weight never overrides a base relation (it may win a new name);
- a candidate of another kind than the base relation is refused outright;
- ``beaten`` lists every other candidate, and the base relation when it lost;
- the order: base relations that kept their name, in class order, with each winner
  placed by its index (unset: 0, first; ``None``: last), equal indexes in the order the
  names were first offered (by a candidate not refused).

The model is written for reading, not speed: sort and insert, no contest state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graftflow as gf
from graftflow.extending import UNSET
from graftflow.extensions import Extendable, describe

POOL = ["zq_a", "zq_b", "zq_c", "zq_d"]
WEIGHTS = [-2, -1, -0.5, 0, 0.5, 1, 2]
INDEXES: list[Any] = [UNSET, UNSET, None, 0, 1, 3]

#: What the installers of the current example hand out (set by each example).
PLAN: list[dict[str, list[Any]]] = []
INSTALLERS = 3


def _installer(number: int) -> Any:
    def install(session: gf.Session) -> dict[str, list[Any]]:
        return PLAN[number] if number < len(PLAN) else {}

    install.__name__ = install.__qualname__ = f"install_{number}"
    return install


install_0, install_1, install_2 = (_installer(n) for n in range(INSTALLERS))


@dataclass(frozen=True)
class Candidate:
    name: str
    weight: float
    index: Any
    other_kind: bool
    #: Where it was found: installer, extension, factory, then place in the list.
    found: tuple[int, int, int, int]

    @property
    def extension(self) -> str:
        return f"ext{self.found[0]}_{self.found[1]}"

    @property
    def factory(self) -> str:
        return f"{__name__}:factory_{self.found[0]}_{self.found[1]}_{self.found[2]}"

    def relation(self) -> gf.Relation[Any]:
        if self.other_kind:
            relation: gf.Relation[Any] = gf.Child(Leaf, index=self.index)
        else:
            relation = gf.StringParam(f"{self.extension}/{self.found}", index=self.index)
        relation.name = self.name
        return relation


class Leaf(gf.Object):
    pass


candidates = st.builds(
    lambda name, weight, index, other: (name, weight, index, other),
    st.sampled_from(POOL),
    st.sampled_from(WEIGHTS),
    st.sampled_from(INDEXES),
    st.integers(0, 5).map(lambda n: n == 0),  # now and then, another kind
)
#: What one factory returns; an extension's factories; an installer's extensions.
offers = st.lists(candidates, max_size=3)
extension = st.lists(offers, min_size=1, max_size=2)
installer = st.lists(extension, min_size=1, max_size=2)
installers = st.lists(installer, min_size=1, max_size=INSTALLERS)


def plan(layout: list[list[list[tuple[str, float, Any, bool]]]]) -> list[Candidate]:
    """Fill PLAN from the generated layout; return every candidate in found order."""
    PLAN.clear()
    found: list[Candidate] = []
    for i, exts in enumerate(layout):
        mapping: dict[str, list[Any]] = {}
        for j, facts in enumerate(exts):
            made = []
            for k, offers in enumerate(facts):
                these = [
                    Candidate(name, weight, index, other, (i, j, k, n))
                    for n, (name, weight, index, other) in enumerate(offers)
                ]
                found.extend(these)
                made.append(_factory(these, f"factory_{i}_{j}_{k}"))
            mapping[f"ext{i}_{j}"] = made
        PLAN.append(mapping)
    return found


def _factory(these: list[Candidate], name: str) -> Any:
    def factory(parent: gf.Object) -> Any:
        if not isinstance(parent, Extendable) or type(parent).__name__ != "Target":
            return None
        # A weight-0 candidate alone comes back bare, the others as (relation, weight).
        if len(these) == 1 and these[0].weight == 0:
            return these[0].relation()
        return [(c.relation(), c.weight) for c in these]

    factory.__qualname__ = factory.__name__ = name
    factory.__module__ = __name__
    return factory


# -- the reference model ------------------------------------------------------------------


@dataclass
class Expected:
    winner: Candidate | None  # None: the base relation
    losers: list[Candidate | None]  # None: the base relation


def resolve(name: str, base: bool, found: list[Candidate]) -> Expected | None:
    """Who serves ``name``, and whom it beat; ``None`` if nothing does."""
    offers = [c for c in found if c.name == name]
    if base:
        offers = [c for c in offers if not c.other_kind]  # refused outright
        eligible = [c for c in offers if c.weight >= 0]
    else:
        eligible = offers
    if not eligible:
        return Expected(None, list(offers)) if base else None
    top = max(c.weight for c in eligible)
    winner = [c for c in eligible if c.weight == top][-1]  # the last found of the best
    losers: list[Candidate | None] = [c for c in offers if c is not winner]
    if base:
        losers.append(None)
    return Expected(winner, losers)


def layout(
    base_names: list[str], results: dict[str, Expected], found: list[Candidate]
) -> list[str]:
    """The relations' order: insert each placed winner where its index says."""
    # A candidate refused outright (another kind than the base) offers nothing.
    entered = [c for c in found if not (c.other_kind and c.name in base_names)]
    first_offered = list(dict.fromkeys(c.name for c in entered))
    winners = [
        results[name].winner
        for name in first_offered
        if name in results and results[name].winner is not None
    ]
    flowing = [name for name in base_names if name not in {w.name for w in winners if w}]
    placed: list[tuple[int, int, str]] = []
    last: list[str] = []
    for arrival, winner in enumerate(winners):
        assert winner is not None
        index = 0 if winner.index is UNSET else winner.index
        if index is None:
            last.append(winner.name)
        else:
            placed.append((index, arrival, winner.name))
    result = list(flowing)
    previous = -1
    for index, _, name in sorted(placed):
        # At its index, or right after the item placed before it (equal indexes keep
        # their order), and never past the end.
        position = min(max(index, previous + 1), len(result))
        result.insert(position, name)
        previous = position
    return result + last


def record_of(found: Candidate | None) -> tuple[str, float | None, str | None]:
    if found is None:
        return ("base", None, None)
    return (found.extension, found.weight, found.factory)


# -- the property -------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(POOL), unique=True, max_size=3), installers)
def test_resolution_matches_the_model(base_names: list[str], generated: Any) -> None:
    found = plan(generated)
    target = type(
        "Target",
        (Extendable,),
        {name: gf.StringParam(f"base/{name}") for name in base_names},
    )
    environ = {
        "GRAFTFLOW_INSTALLERS": ";".join(f"{__name__}:install_{n}" for n in range(INSTALLERS))
    }
    session = gf.Session(environ=environ)
    obj = gf.Flow(session).create_project("t", target)

    records = {record.name: record for record in describe(obj)}
    results = {}
    for name in POOL:
        expected = resolve(name, name in base_names, found)
        if expected is None:
            assert name not in records
            continue
        results[name] = expected
        record = records[name]
        assert (record.origin, record.weight, record.factory) == record_of(expected.winner)
        winner = expected.winner
        if winner is None:
            assert getattr(obj, name).get() == f"base/{name}"
        else:
            assert record.source == f"GRAFTFLOW_INSTALLERS: {__name__}:install_{winner.found[0]}"
            if not winner.other_kind:  # the winner serves the name: its default shows
                assert getattr(obj, name).get() == f"{winner.extension}/{winner.found}"
        beaten = sorted([(b.origin, b.weight, b.factory) for b in record.beaten], key=repr)
        assert beaten == sorted([record_of(loser) for loser in expected.losers], key=repr)

    assert [r.name for r in gf.relations(obj)] == layout(base_names, results, found)
    assert [r.name for r in describe(obj)] == layout(base_names, results, found)
    refused = {c.name for c in found if c.other_kind and c.name in base_names}
    kinds = {d.message.split(" ")[0] for d in session.diagnostics}
    assert kinds == {f"Target.{name}" for name in refused}
