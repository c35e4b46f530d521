"""Installers: where they come from, in which order, once per session, and how they fail.

Discovery is real: the test distributions are installed (tox), ``gftest-broken`` is
pip-installed into a temporary directory, and ``tmp_dists`` writes ``.dist-info``
metadata that importlib.metadata reads like any installed distribution's.
"""

from __future__ import annotations

import importlib.metadata
import logging
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from extension_fixtures import IMPORTED, OrderPlugin, Target, TmpDists, make_shot

import graftflow as gf
from graftflow.extensions import (
    Source,
    describe,
    forget_entry_points,
    plugin_manager,
    registry,
)
from graftflow.extensions._entry_points import entry_points

pytest_plugins = ["extension_fixtures"]

BROKEN = "gftest-broken 0.0.1"
REVIEW_LABEL = "entry point review (gftest-review 2.1.0)"


def canonical(name: str | None) -> str:
    """A distribution name as packaging compares them."""
    return (name or "").replace("_", "-").replace(".", "-").lower()


def source(session: gf.Session, kind: str, name: str) -> Source:
    """The one source of ``kind`` named ``name`` in the session's registry."""
    found = [s for s in registry(session).sources if s.kind == kind and s.name == name]
    assert len(found) == 1, [str(s) for s in registry(session).sources]
    return found[0]


def diagnostics_of(session: gf.Session, label: str) -> list[gf.Diagnostic]:
    return [d for d in session.diagnostics if d.source == label]


def target(session: gf.Session, name: str = "t") -> Target:
    """A ``Target`` project in a fresh flow of ``session``."""
    return gf.Flow(session=session).create_project(name, Target)


class TestRealDiscovery:
    def test_review_reaches_shots(self, pipeline: ModuleType) -> None:
        """The installed entry point grafts review and review_note onto every Shot."""
        session = gf.Session(environ={})
        shot = make_shot(gf.Flow(session=session), pipeline)
        assert shot.review.get() == "pending"
        assert shot.review_note.get() == ""
        assert session.diagnostics == []

    def test_review_entry_point_is_listed(self, pipeline: ModuleType) -> None:
        """The registry lists the entry point review of gftest-review, ok, with its extension."""
        session = gf.Session(environ={})
        found = source(session, "entry point", "review")
        assert found.to_dict() == {
            "kind": "entry point",
            "name": "review",
            "ref": "gftest_review:install",
            "dist": "gftest-review",
            "label": REVIEW_LABEL,
            "status": "ok",
            "detail": None,
            "extensions": ["review"],
        }

    def test_show_plugin_is_listed(self, pipeline: ModuleType) -> None:
        """The registry lists the plugin show of gftest-show with the extensions it gave."""
        session = gf.Session(environ={})
        found = source(session, "plugin", "show")
        assert (found.dist, found.ref, found.label, found.status, found.extensions) == (
            "gftest-show",
            "gftest_show.plugin",
            "plugin show (gftest-show 0.3.0)",
            "ok",
            ["show_status", "show_code"],
        )

    def test_installed_sources_in_order(self, pipeline: ModuleType) -> None:
        """Installed entry points come first, then plugins, each sorted by distribution."""
        session = gf.Session(environ={})
        ours = [
            (s.kind, s.dist, s.name)
            for s in registry(session).sources
            if (s.dist or "").startswith("gftest-")
        ]
        assert ours == [
            ("entry point", "gftest-review", "review"),
            ("plugin", "gftest-pipeline", "pipeline"),
            ("plugin", "gftest-show", "show"),
        ]

    def test_entry_points_sorted_by_distribution_then_name(
        self, pipeline: ModuleType, tmp_dists: TmpDists
    ) -> None:
        """Entry points sort by canonical distribution name, then entry-point name."""
        none = "extension_fixtures:none_installer"
        # Compared as written, "ZZ_Last" would sort before "gftest-review".
        tmp_dists.dist("ZZ_Last", entry_points={"graftflow.installers": {"aa": none}})
        tmp_dists.dist("aa-first", entry_points={"graftflow.installers": {"zz": none, "mm": none}})
        session = gf.Session(environ={})
        points = [s for s in registry(session).sources if s.kind == "entry point"]
        assert [(s.dist, s.name) for s in points if s.dist in ("aa-first", "ZZ_Last")] == [
            ("aa-first", "mm"),
            ("aa-first", "zz"),
            ("ZZ_Last", "aa"),
        ]
        names = [s.name for s in points]
        assert names.index("zz") < names.index("review") < names.index("aa")
        keys = [(canonical(s.dist), s.name) for s in points]
        assert keys == sorted(keys)

    def test_broken_entry_points_sort_by_name(self, pipeline: ModuleType, broken: Path) -> None:
        """A distribution's many entry points come in name order, after lower distributions."""
        session = gf.Session(environ={})
        names = [(s.dist, s.name) for s in registry(session).sources if s.kind == "entry point"]
        ours = [entry for entry in names if entry[0] in ("gftest-broken", "gftest-review")]
        assert ours == [
            ("gftest-broken", "bad_factories"),
            ("gftest-broken", "bad_lists"),
            ("gftest-broken", "good"),
            ("gftest-broken", "import_fails"),
            ("gftest-broken", "no_attr"),
            ("gftest-broken", "no_module"),
            ("gftest-broken", "non_dict"),
            ("gftest-broken", "not_callable"),
            ("gftest-broken", "raises"),
            ("gftest-review", "review"),
        ]


class TestSourceOrder:
    """Equal-weight candidates for the same name: the one found last wins."""

    ALL = ("entry point", "plugin", "config", "env")

    @staticmethod
    def session_with(tmp_dists: TmpDists, sources: tuple[str, ...]) -> gf.Session:
        """A session offering ``who`` on Targets from each of ``sources``."""
        if "entry point" in sources:
            tmp_dists.dist(
                "gftest-order",
                entry_points={
                    "graftflow.installers": {"order": "extension_fixtures:entry_point_installer"}
                },
            )
        environ = {}
        if "env" in sources:
            environ["GRAFTFLOW_INSTALLERS"] = "extension_fixtures:env_installer"
        config = {"installers": ["extension_fixtures:config_installer"]}
        session = gf.Session(environ=environ, config=config if "config" in sources else None)
        if "plugin" in sources:
            plugin_manager(session).register(OrderPlugin(), name="order")
        return session

    @pytest.mark.parametrize(
        ("sources", "winner"),
        [
            (ALL, "env"),
            (("entry point", "plugin", "config"), "config"),
            (("entry point", "plugin", "env"), "env"),
            (("entry point", "plugin"), "plugin"),
            (("plugin", "config"), "config"),
            (("entry point", "config"), "config"),
            (("entry point",), "entry point"),
        ],
    )
    def test_last_source_wins_ties(
        self, tmp_dists: TmpDists, sources: tuple[str, ...], winner: str
    ) -> None:
        """Entry points, then plugins, then config, then GRAFTFLOW_INSTALLERS: ties go later."""
        session = self.session_with(tmp_dists, sources)
        assert target(session).who.get() == winner
        assert session.diagnostics == []

    def test_describe_shows_the_order(self, tmp_dists: TmpDists) -> None:
        """describe() names the winner's source and the beaten ones in the order found."""
        session = self.session_with(tmp_dists, self.ALL)
        (record,) = [r for r in describe(target(session)) if r.name == "who"]
        assert (record.origin, record.source, record.factory, record.weight) == (
            "from_env",
            "GRAFTFLOW_INSTALLERS: extension_fixtures:env_installer",
            "extension_fixtures:who_env",
            0,
        )
        assert [(b.origin, b.source) for b in record.beaten] == [
            ("from_entry_point", "entry point order (gftest-order 1.0)"),
            ("from_plugin", "plugin order"),
            ("from_config", "config: extension_fixtures:config_installer"),
        ]

    def test_sources_listed_in_order(self, tmp_dists: TmpDists) -> None:
        """registry().sources lists entry points, then plugins, then config, then env."""
        session = self.session_with(tmp_dists, self.ALL)
        kinds = [s.kind for s in registry(session).sources]
        ours = [s.name for s in registry(session).sources if s.kind in ("config", "env")]
        assert kinds == sorted(kinds, key=self.ALL.index)
        assert ours == ["extension_fixtures:config_installer", "extension_fixtures:env_installer"]
        assert source(session, "plugin", "order").label == "plugin order"

    def test_weight_beats_order(self, tmp_dists: TmpDists) -> None:
        """A heavier candidate from an earlier source beats a later one of weight 0."""
        tmp_dists.module(
            "gfheavy",
            """
            from extension_fixtures import who

            def install(session):
                return {"heavy": [who("heavy", weight=1)]}
            """,
        )
        tmp_dists.dist(
            "gftest-heavy", entry_points={"graftflow.installers": {"x": "gfheavy:install"}}
        )
        session = gf.Session(
            environ={"GRAFTFLOW_INSTALLERS": "extension_fixtures:env_installer"},
            config={"installers": ["extension_fixtures:config_installer"]},
        )
        assert target(session).who.get() == "heavy"


class TestOncePerSession:
    def test_installer_runs_once_per_session(
        self, pipeline: ModuleType, review: ModuleType
    ) -> None:
        """install runs once per session however many shots are read; reload runs it again."""
        before = review.CALLS["install"]
        session = gf.Session(environ={})
        flow = gf.Flow(session=session)
        shots = [make_shot(flow, pipeline, shot=f"s{i}") for i in range(5)]
        assert [shot.review.get() for shot in shots] == ["pending"] * 5
        assert review.CALLS["install"] - before == 1

        other = gf.Flow(session=gf.Session(environ={}))
        assert make_shot(other, pipeline).review.get() == "pending"
        assert review.CALLS["install"] - before == 2

        session.reload_extensions()
        assert make_shot(flow, pipeline, shot="s5").review.get() == "pending"
        assert [len(gf.relations(shot)) for shot in shots] == [6] * 5
        assert review.CALLS["install"] - before == 3

    def test_reload_drops_cached_dynamic_relations(self, pipeline: ModuleType) -> None:
        """After reload_extensions() a newly blocked extension is gone from objects read before."""
        environ: dict[str, str] = {}
        shot = make_shot(gf.Flow(session=gf.Session(environ=environ)), pipeline)
        assert shot.review.get() == "pending"
        environ["GRAFTFLOW_BLOCKED"] = "review"
        shot.root().session().reload_extensions()
        assert not hasattr(shot, "review")

    def test_review_factory_only_for_needed_shots(
        self, pipeline: ModuleType, review: ModuleType
    ) -> None:
        """The Shot-targeted factory runs once per shot whose relations are needed, never else."""
        before = review.CALLS["review"]
        flow = gf.Flow(session=gf.Session(environ={}))
        project = flow.create_project("proj", pipeline.Project)
        film = project.films.add("f1")
        shots = [film.shots.add(f"s{i}") for i in range(4)]
        assert (project.fps.get(), film.title.get()) == (24, "")
        assert review.CALLS["review"] == before
        assert shots[0].review.get() == "pending"
        assert shots[1].status.get() == "wip"
        assert shots[1].review.get() == "pending"
        assert review.CALLS["review"] - before == 2


ENV_EMPTY = (
    "GRAFTFLOW_INSTALLERS is set but empty; unset it, or give 'module:attr[;module:attr...]'"
)


def not_a_ref(entry: str) -> str:
    return (
        f"entry {entry!r} of GRAFTFLOW_INSTALLERS is not 'module:attr' (for example "
        "'studio_tools.extensions:install'); it is ignored"
    )


def empty_entry(position: int | str, raw: str) -> str:
    return (
        f"GRAFTFLOW_INSTALLERS={raw!r} has empty entries (position {position}: a doubled or "
        "trailing ';'); they are ignored"
    )


class TestEnvParsing:
    def test_whitespace_is_tolerated(self) -> None:
        """Spaces, tabs and newlines around entries and around ':' are ignored."""
        raw = " extension_fixtures : config_installer ;\n\textension_fixtures:env_installer \n"
        session = gf.Session(environ={"GRAFTFLOW_INSTALLERS": raw})
        assert target(session).who.get() == "env"
        env = [(s.name, s.label, s.status) for s in registry(session).sources if s.kind == "env"]
        assert env == [
            (
                "extension_fixtures:config_installer",
                "GRAFTFLOW_INSTALLERS: extension_fixtures:config_installer",
                "ok",
            ),
            (
                "extension_fixtures:env_installer",
                "GRAFTFLOW_INSTALLERS: extension_fixtures:env_installer",
                "ok",
            ),
        ]
        assert session.diagnostics == []

    @pytest.mark.parametrize(
        ("raw", "messages"),
        [
            ("", [ENV_EMPTY]),
            (" \t\n", [ENV_EMPTY]),
            ("nocolon", [not_a_ref("nocolon")]),
            (";;", [empty_entry("0, 1, 2", ";;")]),
            ("mod:", [not_a_ref("mod:")]),
            (":attr", [not_a_ref(":attr")]),
            ("a b:c", [not_a_ref("a b:c")]),
            ("mod:a b", [not_a_ref("mod:a b")]),
            ("a:b:c", [not_a_ref("a:b:c")]),
            ("1mod:attr", [not_a_ref("1mod:attr")]),
        ],
    )
    def test_bad_forms_are_diagnostics(self, raw: str, messages: list[str]) -> None:
        """Each malformed entry is a ValueError diagnostic of GRAFTFLOW_INSTALLERS; none loads."""
        session = gf.Session(environ={"GRAFTFLOW_INSTALLERS": raw})
        assert target(session).base.get() == "base"
        assert [(d.source, d.error, d.message) for d in session.diagnostics] == [
            ("GRAFTFLOW_INSTALLERS", "ValueError", message) for message in messages
        ]
        assert [s for s in registry(session).sources if s.kind == "env"] == []

    def test_good_entries_survive_bad_ones(self) -> None:
        """Good entries next to bad ones still run, in order; each bad one is reported."""
        raw = (
            "nocolon; extension_fixtures:config_installer ;mod:;a b:c;"
            "extension_fixtures:env_installer;"
        )
        session = gf.Session(environ={"GRAFTFLOW_INSTALLERS": raw})
        assert target(session).who.get() == "env"
        assert [d.message for d in session.diagnostics] == [
            not_a_ref("nocolon"),
            not_a_ref("mod:"),
            not_a_ref("a b:c"),
            empty_entry(5, raw),
        ]
        assert [s.name for s in registry(session).sources if s.kind == "env"] == [
            "extension_fixtures:config_installer",
            "extension_fixtures:env_installer",
        ]

    @pytest.mark.parametrize(
        ("ref", "error", "message", "extension"),
        [
            (
                "gftest_nowhere:install",
                "ModuleNotFoundError",
                (
                    "cannot load installer 'gftest_nowhere:install': cannot import module "
                    "'gftest_nowhere': ModuleNotFoundError: No module named 'gftest_nowhere'"
                ),
                None,
            ),
            (
                "os.path:jion",
                "AttributeError",
                (
                    "cannot load installer 'os.path:jion': 'os.path' has no attribute 'jion'; "
                    "did you mean 'join'?"
                ),
                None,
            ),
            (
                "extension_fixtures:raising_installer",
                "RuntimeError",
                "installer raised RuntimeError: no licence server",
                None,
            ),
            (
                "extension_fixtures:list_installer",
                "TypeError",
                (
                    "installer returned list ['not', 'a', 'dict']; expected a dict "
                    "{extension_name: [factory, ...]} or None"
                ),
                None,
            ),
            (
                "extension_fixtures:NOT_CALLABLE",
                "TypeError",
                "extension_fixtures:NOT_CALLABLE is 'installer', not a callable installer(session)",
                None,
            ),
            (
                "extension_fixtures:non_callable_factory_installer",
                "TypeError",
                "factory 0 of extension 'numbers' is 42, not a callable factory(parent)",
                "numbers",
            ),
        ],
    )
    def test_failing_entry_is_a_diagnostic(
        self, ref: str, error: str, message: str, extension: str | None
    ) -> None:
        """A failing env entry is one diagnostic naming the entry; the rest still works."""
        raw = f"{ref};extension_fixtures:env_installer"
        session = gf.Session(environ={"GRAFTFLOW_INSTALLERS": raw})
        assert target(session).who.get() == "env"
        label = f"GRAFTFLOW_INSTALLERS: {ref}"
        assert [(d.source, d.extension, d.error, d.message) for d in session.diagnostics] == [
            (label, extension, error, message)
        ]
        assert str(session.diagnostics[0]).startswith(f"[{label}]")

    def test_module_raising_at_import(self, tmp_dists: TmpDists) -> None:
        """An env entry whose module raises while imported is a diagnostic naming it."""
        tmp_dists.module("gfhalf_deployed", "raise ImportError('libstudio.so not found')\n")
        ref = "gfhalf_deployed:install"
        session = gf.Session(environ={"GRAFTFLOW_INSTALLERS": ref})
        assert target(session).base.get() == "base"
        assert [(d.source, d.error, d.message) for d in session.diagnostics] == [
            (
                f"GRAFTFLOW_INSTALLERS: {ref}",
                "ImportError",
                (
                    f"cannot load installer {ref!r}: cannot import module 'gfhalf_deployed': "
                    "ImportError: libstudio.so not found"
                ),
            )
        ]
        assert source(session, "env", ref).status == "failed"

    def test_multiline_exception_is_one_line(self) -> None:
        """An installer raising a multi-line message still gives a one-line diagnostic."""
        session = gf.Session(
            environ={"GRAFTFLOW_INSTALLERS": "extension_fixtures:multiline_installer"}
        )
        registry(session)
        (diagnostic,) = session.diagnostics
        assert "\n" not in str(diagnostic)

    def test_failed_source_status(self) -> None:
        """An entry that fails to load or run is marked failed, with the reason."""
        session = gf.Session(
            environ={"GRAFTFLOW_INSTALLERS": "extension_fixtures:raising_installer"}
        )
        found = source(session, "env", "extension_fixtures:raising_installer")
        assert (found.status, found.detail) == (
            "failed",
            "installer raised RuntimeError: no licence server",
        )

    def test_installer_returning_none_adds_nothing(self) -> None:
        """An installer returning None (the seed's idiom) is silently nothing."""
        session = gf.Session(environ={"GRAFTFLOW_INSTALLERS": "extension_fixtures:none_installer"})
        assert not hasattr(target(session), "who")
        found = source(session, "env", "extension_fixtures:none_installer")
        assert (found.status, found.detail, found.extensions) == ("ok", None, [])
        assert session.diagnostics == []

    def test_unset_variable_is_silent(self) -> None:
        """Without GRAFTFLOW_INSTALLERS there is no env source and no diagnostic."""
        session = gf.Session(environ={})
        assert not hasattr(target(session), "who")
        assert [s for s in registry(session).sources if s.kind == "env"] == []
        assert session.diagnostics == []


class TestBlockList:
    @pytest.mark.parametrize(
        "blocked",
        ["review", "gftest-review", "GFTEST_review", "gftest_review", "GfTest.Review"],
    )
    def test_entry_point_by_name_or_distribution(
        self, pipeline: ModuleType, review: ModuleType, blocked: str
    ) -> None:
        """An entry point is blocked by its name or its distribution's, in any spelling."""
        before = review.CALLS["install"]
        session = gf.Session(environ={"GRAFTFLOW_BLOCKED": blocked})
        shot = make_shot(gf.Flow(session=session), pipeline)
        assert not hasattr(shot, "review")
        with pytest.raises(gf.MissingRelationError):
            shot.review
        found = source(session, "entry point", "review")
        assert (found.status, found.detail, found.extensions) == (
            "blocked",
            f"blocked by {blocked!r}",
            [],
        )
        assert review.CALLS["install"] == before
        assert session.diagnostics == []

    def test_entry_point_by_module_attr(self, pipeline: ModuleType) -> None:
        """An entry point is also blocked by its value, module:attr."""
        session = gf.Session(environ={"GRAFTFLOW_BLOCKED": "gftest_review:install"})
        found = source(session, "entry point", "review")
        assert (found.status, found.detail) == ("blocked", "blocked by 'gftest_review:install'")

    @pytest.mark.parametrize("blocked", ["show", "gftest-show", "GFTEST_Show"])
    def test_plugin_by_name_or_distribution(self, pipeline: ModuleType, blocked: str) -> None:
        """A plugin is blocked by its entry-point name or its distribution's name."""
        session = gf.Session(environ={"GRAFTFLOW_BLOCKED": blocked})
        project = gf.Flow(session=session).create_project("show_a", pipeline.Project)
        assert not hasattr(project, "show_code")
        assert make_shot(project.root(), pipeline, "show_a").status.get() == "wip"
        found = source(session, "plugin", "show")
        assert (found.status, found.detail) == ("blocked", f"blocked by {blocked!r}")

    def test_env_and_config_entries_by_module_attr(self) -> None:
        """GRAFTFLOW_INSTALLERS and config entries are blocked by their module:attr."""
        session = gf.Session(
            environ={
                "GRAFTFLOW_INSTALLERS": "extension_fixtures:env_installer",
                "GRAFTFLOW_BLOCKED": "extension_fixtures:env_installer",
            },
            config={
                "installers": ["extension_fixtures:config_installer"],
                "blocked": ["extension_fixtures:config_installer"],
            },
        )
        assert not hasattr(target(session), "who")
        for kind, ref in (
            ("env", "extension_fixtures:env_installer"),
            ("config", "extension_fixtures:config_installer"),
        ):
            found = source(session, kind, ref)
            assert (found.status, found.detail) == ("blocked", f"blocked by {ref!r}")
        assert session.diagnostics == []

    def test_extension_by_name(self, pipeline: ModuleType) -> None:
        """Blocking an extension name skips that extension only; its source still runs."""
        session = gf.Session(environ={"GRAFTFLOW_BLOCKED": "show_code"})
        project = gf.Flow(session=session).create_project("show_a", pipeline.Project)
        assert not hasattr(project, "show_code")
        assert make_shot(project.root(), pipeline, "show_a").status.get() == "show-wip"
        found = source(session, "plugin", "show")
        assert (found.status, found.extensions) == ("ok", ["show_status", "show_code (disabled)"])

    def test_disabled_extensions(self, pipeline: ModuleType) -> None:
        """The config's disabled_extensions skips extensions by name, whatever their source."""
        session = gf.Session(
            environ={"GRAFTFLOW_INSTALLERS": "extension_fixtures:env_installer"},
            config={"disabled_extensions": ["review", "from_env"]},
        )
        shot = make_shot(gf.Flow(session=session), pipeline)
        assert not hasattr(shot, "review")
        assert not hasattr(shot, "review_note")
        assert not hasattr(target(session), "who")
        assert source(session, "entry point", "review").extensions == ["review (disabled)"]
        found = source(session, "env", "extension_fixtures:env_installer")
        assert (found.status, found.extensions) == ("ok", ["from_env (disabled)"])

    @pytest.mark.parametrize(
        ("environ_blocked", "config_blocked"),
        [
            (" review,show;\textension_fixtures:env_installer\nfrom_config ", None),
            ("review;;show", "extension_fixtures:env_installer, from_config"),
            ("", ["review show", "extension_fixtures:env_installer;from_config"]),
        ],
    )
    def test_separators(
        self, pipeline: ModuleType, environ_blocked: str, config_blocked: Any
    ) -> None:
        """Names are separated by commas, semicolons or whitespace, in both places."""
        session = gf.Session(
            environ={
                "GRAFTFLOW_BLOCKED": environ_blocked,
                "GRAFTFLOW_INSTALLERS": "extension_fixtures:env_installer",
            },
            config={
                "installers": ["extension_fixtures:config_installer"],
                **({"blocked": config_blocked} if config_blocked is not None else {}),
            },
        )
        registry(session)
        assert source(session, "entry point", "review").status == "blocked"
        assert source(session, "plugin", "show").status == "blocked"
        assert source(session, "env", "extension_fixtures:env_installer").status == "blocked"
        assert source(session, "config", "extension_fixtures:config_installer").extensions == [
            "from_config (disabled)"
        ]
        assert not hasattr(target(session), "who")

    @pytest.mark.parametrize(
        "blocked",
        [
            "gfblock_point gfblock_plugin gfblock_env:install",
            "gftest-blockme, gfblock_env:install",
            "GFTEST_BLOCKME;gfblock_env:install",
            "gfblock_installer:install gfblock_plugin_module gfblock_env:install",
        ],
    )
    def test_blocked_is_never_imported(self, tmp_dists: TmpDists, blocked: str) -> None:
        """A blocked entry point, plugin or env entry is never imported."""
        for module in ("gfblock_installer", "gfblock_plugin_module", "gfblock_env"):
            tmp_dists.recording_module(module, "def install(session):\n    return None\n")
        tmp_dists.dist(
            "gftest-blockme",
            entry_points={
                "graftflow.installers": {"gfblock_point": "gfblock_installer:install"},
                "graftflow.plugins": {"gfblock_plugin": "gfblock_plugin_module"},
            },
        )
        session = gf.Session(
            environ={"GRAFTFLOW_BLOCKED": blocked, "GRAFTFLOW_INSTALLERS": "gfblock_env:install"}
        )
        registry(session)
        assert IMPORTED == []
        assert not {"gfblock_installer", "gfblock_plugin_module", "gfblock_env"} & set(sys.modules)
        statuses = [
            (s.kind, s.name, s.status)
            for s in registry(session).sources
            if s.dist == "gftest-blockme" or s.kind == "env"
        ]
        assert statuses == [
            ("entry point", "gfblock_point", "blocked"),
            ("plugin", "gfblock_plugin", "blocked"),
            ("env", "gfblock_env:install", "blocked"),
        ]
        assert session.diagnostics == []

    def test_unblocked_is_imported(self, tmp_dists: TmpDists) -> None:
        """The same three sources, not blocked, are imported (the check above can fail)."""
        for module in ("gfblock_installer", "gfblock_plugin_module", "gfblock_env"):
            tmp_dists.recording_module(module, "def install(session):\n    return None\n")
        tmp_dists.dist(
            "gftest-blockme",
            entry_points={
                "graftflow.installers": {"gfblock_point": "gfblock_installer:install"},
                "graftflow.plugins": {"gfblock_plugin": "gfblock_plugin_module"},
            },
        )
        session = gf.Session(environ={"GRAFTFLOW_INSTALLERS": "gfblock_env:install"})
        registry(session)
        assert sorted(IMPORTED) == ["gfblock_env", "gfblock_installer", "gfblock_plugin_module"]


def broken_label(name: str, kind: str = "entry point") -> str:
    return f"{kind} {name} ({BROKEN})"


#: What each broken installer entry point of gftest-broken produces.
BROKEN_INSTALLERS = [
    (
        "no_module",
        "ModuleNotFoundError",
        (
            "cannot load installer 'gftest_missing_module:install': cannot import module "
            "'gftest_missing_module': ModuleNotFoundError: No module named 'gftest_missing_module'"
        ),
    ),
    (
        "import_fails",
        "RuntimeError",
        (
            "cannot load installer 'gftest_broken_import:install': cannot import module "
            "'gftest_broken_import': RuntimeError: gftest_broken_import cannot be imported: its "
            "config is missing"
        ),
    ),
    (
        "no_attr",
        "AttributeError",
        (
            "cannot load installer 'gftest_broken:no_such_installer': 'gftest_broken' has no "
            "attribute 'no_such_installer'"
        ),
    ),
    ("raises", "RuntimeError", "installer raised RuntimeError: the installer's server is down"),
    (
        "non_dict",
        "TypeError",
        (
            "installer returned list ['not', 'a', 'dict']; expected a dict "
            "{extension_name: [factory, ...]} or None"
        ),
    ),
    (
        "not_callable",
        "TypeError",
        "gftest_broken:NOT_CALLABLE is 42, not a callable installer(session)",
    ),
]

#: (factory qualname, error, message) of gftest-broken's bad_factories, per Thing.
BROKEN_FACTORIES = [
    ("factory_raises", "ValueError", "factory raised ValueError: cannot extend /t0"),
    (
        "factory_non_relation",
        "TypeError",
        (
            "returned str 'a string'; a factory returns None, a relation, (relation, weight), or "
            "a list of those"
        ),
    ),
    (
        "factory_no_name",
        "InvalidNameError",
        (
            "returned <StringParam (unnamed)> without a name; set relation.name (or use "
            "@dynamic_relation('name', ...))"
        ),
    ),
    (
        "factory_bad_names",
        "InvalidNameError",
        ("dynamic relation: 'a b' is not a valid relation name (it must be a Python identifier)"),
    ),
    (
        "factory_bad_names",
        "InvalidNameError",
        "dynamic relation: 'class' is a Python keyword; choose another relation name",
    ),
    (
        "factory_bad_names",
        "InvalidNameError",
        (
            "the dynamic relation 'oid' would shadow the method Object.oid, which is not a "
            "relation; choose another name"
        ),
    ),
    (
        "factory_bad_names",
        "InvalidNameError",
        (
            "dynamic relation: 'x=1;import os' is not a valid relation name (it must be "
            "a Python identifier)"
        ),
    ),
    (
        "factory_bad_names",
        "InvalidNameError",
        (
            "the dynamic relation 'helper' would shadow the method Thing.helper, which is not a "
            "relation; choose another name"
        ),
    ),
]


def things(session: gf.Session, count: int = 20) -> list[Any]:
    """``count`` gftest_broken.Thing projects, each with its relations read."""
    from gftest_broken import Thing

    flow = gf.Flow(session=session)
    made = [flow.create_project(f"t{i}", Thing) for i in range(count)]
    for thing in made:
        assert thing.status.get() == "new"
    return made


@pytest.mark.usefixtures("broken")
class TestBrokenDistribution:
    @pytest.mark.parametrize(("name", "error", "message"), BROKEN_INSTALLERS)
    def test_broken_installer(self, name: str, error: str, message: str) -> None:
        """Each broken installer entry point is one diagnostic naming it and its distribution."""
        session = gf.Session(environ={})
        things(session, 1)
        label = broken_label(name)
        assert [
            (d.extension, d.factory, d.oid, d.error, d.message)
            for d in diagnostics_of(session, label)
        ] == [(None, None, None, error, message)]
        found = source(session, "entry point", name)
        assert (found.status, found.detail, found.dist) == ("failed", message, "gftest-broken")

    def test_bad_lists(self) -> None:
        """A bad extension name, a non-list and a non-callable are reported; the rest is kept."""
        session = gf.Session(environ={})
        assert things(session, 1)[0].ok.get() == "fine"
        label = broken_label("bad_lists")
        assert [(d.extension, d.error, d.message) for d in diagnostics_of(session, label)] == [
            (
                "numbers",
                "TypeError",
                "factory 0 of extension 'numbers' is 1, not a callable factory(parent)",
            ),
            (
                "text",
                "TypeError",
                "extension 'text' maps to 'not a list'; expected a list of factories",
            ),
            (
                None,
                "TypeError",
                "installer returned the extension name 3; extension names are non-empty strings",
            ),
        ]
        assert source(session, "entry point", "bad_lists").extensions == ["numbers", "text"]

    def test_factory_failures_counted_per_object(self) -> None:
        """Factory failures carry extension, factory qualname and first oid, counted 20 times."""
        session = gf.Session(environ={})
        things(session, 20)
        found = [
            (d.extension, d.factory, d.oid, d.error, d.message, d.count)
            for d in diagnostics_of(session, broken_label("bad_factories"))
        ]
        assert found == [
            ("broken", f"gftest_broken:{factory}", "/t0", error, message, 20)
            for factory, error, message in BROKEN_FACTORIES
        ]

    def test_logged_once_each(self, caplog: pytest.LogCaptureFixture) -> None:
        """Every problem is logged once on the graftflow logger, not once per object."""
        caplog.set_level(logging.WARNING, logger="graftflow")
        session = gf.Session(environ={})
        things(session, 20)
        # r.message is the text as the handler formatted it when the record was emitted.
        logged = [r.message for r in caplog.records if r.name == "graftflow"]
        assert logged == [str(d).removesuffix(" (x20)") for d in session.diagnostics]
        assert len(session.diagnostics) == (
            len(BROKEN_INSTALLERS) + 3 + len(BROKEN_FACTORIES) + 4  # 4 broken plugins
        )

    def test_log_record_is_fixed_when_emitted(self, caplog: pytest.LogCaptureFixture) -> None:
        """A log record reads the same later as when it was emitted."""
        caplog.set_level(logging.WARNING, logger="graftflow")
        things(gf.Session(environ={}), 20)
        changed = [r.message for r in caplog.records if r.getMessage() != r.message]
        assert changed == []

    def test_diagnostics_are_one_line(self) -> None:
        """str() of every diagnostic, the plugins' included, is a single line."""
        session = gf.Session(environ={})
        things(session, 2)
        multi = [str(d) for d in session.diagnostics if "\n" in str(d)]
        assert multi == []

    def test_good_installer_still_contributes(self) -> None:
        """The good entry point of the broken distribution works, on every object."""
        session = gf.Session(environ={})
        made = things(session, 20)
        assert [thing.ok.get() for thing in made] == ["fine"] * 20
        assert source(session, "entry point", "good").to_dict()["status"] == "ok"
        records = {r.name: r for r in describe(made[0])}
        assert list(records) == ["ok", "status"]
        assert (records["ok"].origin, records["ok"].source) == ("good", broken_label("good"))

    def test_user_access_never_raises(self, pipeline: ModuleType) -> None:
        """Reading, setting and listing relations works despite every broken installer."""
        session = gf.Session(environ={})
        thing = things(session, 1)[0]
        thing.status.set("done")
        thing.ok.set("better")
        assert (thing.status.get(), thing.ok.get()) == ("done", "better")
        assert [r.name for r in gf.relations(thing)] == ["ok", "status"]
        assert not hasattr(thing, "broken")
        assert thing.helper() == "a method, not a relation"
        assert make_shot(thing.root(), pipeline).review.get() == "pending"


class TestEntryPointCache:
    def test_distribution_added_after_scan_is_not_seen(self, broken_dist_dir: Path) -> None:
        """A distribution put on sys.path after a scan is unseen until forget_entry_points()."""
        forget_entry_points()
        assert [
            s for s in registry(gf.Session(environ={})).sources if s.dist == "gftest-broken"
        ] == []
        entry = str(broken_dist_dir)
        sys.path.insert(0, entry)
        try:
            session = gf.Session(environ={})
            assert [s for s in registry(session).sources if s.dist == "gftest-broken"] == []
            forget_entry_points()
            session = gf.Session(environ={})
            names = [s.name for s in registry(session).sources if s.dist == "gftest-broken"]
            assert names[:3] == ["bad_factories", "bad_lists", "good"]
        finally:
            sys.path.remove(entry)
            for name in [name for name in sys.modules if name.startswith("gftest_broken")]:
                del sys.modules[name]
            forget_entry_points()


class TestEntryPointScan:
    """One scan per process serves every graftflow group, as importlib.metadata would."""

    def test_shadowed_distribution_is_left_out(self, tmp_dists: TmpDists, tmp_path: Path) -> None:
        """Two distributions of one name: the one first on sys.path hides the other,
        as importlib.metadata.entry_points() does."""
        later = tmp_path / "later"
        later.mkdir()
        hidden = TmpDists(later)
        hidden.dist("gfscan-twin", "2.0", {"graftflow.installers": {"hidden": "x:y"}})
        tmp_dists.dist("gfscan-twin", "1.0", {"graftflow.installers": {"shown": "x:y"}})
        sys.path.append(str(later))
        try:
            forget_entry_points()
            ours = [f for f in entry_points("graftflow.installers") if f.dist == "gfscan-twin"]
            stdlib = [
                ep
                for ep in importlib.metadata.entry_points(group="graftflow.installers")
                if ep.value == "x:y"
            ]
        finally:
            sys.path.remove(str(later))
            forget_entry_points()
        assert [(f.name, f.version) for f in ours] == [("shown", "1.0")]
        assert [ep.name for ep in stdlib] == ["shown"]

    def test_same_as_importlib_for_every_group(self, tmp_dists: TmpDists) -> None:
        """Names, values, distributions and versions match importlib.metadata's view, for
        installers and plugins, with other groups and unrelated files around."""
        tmp_dists.dist(
            "gfscan-many",
            "3.1",
            {
                "console_scripts": {"tool": "gfscan.cli:main"},
                "graftflow.installers": {"one": "gfscan.a:install", "two": "gfscan.b:install"},
                "graftflow.plugins": {"plug": "gfscan.plugin"},
            },
        )
        tmp_dists.dist("gfscan-none", "1.0", {"console_scripts": {"other": "gfscan.c:main"}})
        for group in ("graftflow.installers", "graftflow.plugins"):
            ours = {(f.name, f.value, f.dist, f.version) for f in entry_points(group)}
            theirs = {
                (
                    ep.name,
                    ep.value,
                    ep.dist.name if ep.dist else None,
                    ep.dist.version if ep.dist else None,
                )
                for ep in importlib.metadata.entry_points(group=group)
            }
            assert ours == theirs, group
        assert ("one", "gfscan.a:install", "gfscan-many", "3.1") in {
            (f.name, f.value, f.dist, f.version) for f in entry_points("graftflow.installers")
        }

    def test_metadata_without_a_version_line_falls_back(self, tmp_dists: TmpDists) -> None:
        """Name and version come from METADATA's head; an unusual file still gives its
        name (importlib.metadata's full parse) rather than failing the scan."""
        tmp_dists.dist("gfscan-odd", "1.0", {"graftflow.installers": {"odd": "x:y"}})
        info = tmp_dists.root / "gfscan_odd-1.0.dist-info"
        (info / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: gfscan-odd\n\nVersion: 9.9\n", encoding="utf-8"
        )
        forget_entry_points()
        found = [f for f in entry_points("graftflow.installers") if f.name == "odd"]
        assert [(f.dist, f.version) for f in found] == [("gfscan-odd", None)]

    @pytest.mark.parametrize(
        "name",
        ["Studio_Tools", "studio.tools", "a--b__c..d", "-lead", "trail_", "A-._B", "x", ""],
    )
    def test_names_normalise_as_packaging_and_importlib_do(self, name: str) -> None:
        """Distribution names are compared without a regular expression (issue 15's
        latency), with packaging's rule; directory names as importlib.metadata does."""
        from packaging.utils import canonicalize_name

        from graftflow.extensions._entry_points import _normalize, canonical

        if name:
            assert canonical(name) == canonicalize_name(name)
        assert canonical(name) == re.sub(r"[-_.]+", "-", name).lower()
        assert _normalize(name) == importlib.metadata.Prepared.normalize(name)

    def test_other_groups_are_refused(self) -> None:
        with pytest.raises(ValueError, match="graftflow's groups only, not 'console_scripts'"):
            entry_points("console_scripts")
