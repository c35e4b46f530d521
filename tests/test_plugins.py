"""pluggy plugins: markers, the installed plugins, plugins in code, hooks, failures."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pluggy
import pytest
from conftest import PythonRunner
from extension_fixtures import OrderPlugin, Target, TmpDists, make_shot, who

import graftflow as gf
import graftflow.extensions
import graftflow.plugins
from graftflow.extensions import (
    call_hook,
    describe,
    hookimpl,
    hookspec,
    plugin_manager,
    project_types,
    registry,
    store_schemes,
)

pytest_plugins = ["extension_fixtures"]

SHOW_LABEL = "plugin show (gftest-show 0.3.0)"


def plugin_source(session: gf.Session, name: str) -> Any:
    (found,) = [s for s in registry(session).sources if s.kind == "plugin" and s.name == name]
    return found


class InlinePlugin:
    """A plugin registered in code, with the spec's arguments."""

    @hookimpl
    def graftflow_install_extensions(self, session: gf.Session) -> dict[str, list[Any]]:
        return {"inline": [who(f"inline for {session.user}")]}

    @hookimpl
    def graftflow_project_types(self) -> dict[str, Any]:
        return {"target": Target, "not_an_object": int}


class SchemePlugin:
    """Offers the ``teststore`` scheme, plus a clash and a non-callable."""

    def __init__(self) -> None:
        self.opened: list[tuple[str, bool]] = []

    @hookimpl
    def graftflow_store_schemes(self) -> dict[str, Any]:
        return {"memory": self.open, "teststore": self.open, "notcallable": 42}

    def open(self, url: str, create: bool) -> gf.Store:
        self.opened.append((url, create))
        return gf.MemoryStore()


class RaisingHooks:
    """Every hook raises; the other plugins must not notice."""

    @hookimpl
    def graftflow_project_types(self) -> None:
        raise RuntimeError("types unavailable")

    @hookimpl
    def graftflow_store_schemes(self) -> list[str]:
        return ["not", "a", "dict"]


class TestMarkers:
    def test_reexported(self) -> None:
        """graftflow.plugins re-exports the extensions layer's markers, same objects."""
        assert graftflow.plugins.hookimpl is graftflow.extensions.hookimpl
        assert graftflow.plugins.hookspec is graftflow.extensions.hookspec
        assert isinstance(graftflow.plugins.hookimpl, pluggy.HookimplMarker)
        assert isinstance(graftflow.plugins.hookspec, pluggy.HookspecMarker)

    def test_project_name(self) -> None:
        """Markers and plugin manager use the pluggy project name 'graftflow'."""
        assert graftflow.plugins.hookimpl.project_name == "graftflow"
        assert graftflow.plugins.hookspec.project_name == "graftflow"
        assert plugin_manager(gf.Session(environ={})).project_name == "graftflow"

    def test_hooks_specified(self) -> None:
        """The plugin manager knows the three graftflow hooks."""
        pm = plugin_manager(gf.Session(environ={}))
        for hook in (
            "graftflow_install_extensions",
            "graftflow_project_types",
            "graftflow_store_schemes",
        ):
            assert getattr(pm.hook, hook).has_spec(), hook

    def test_other_projects_markers_ignored(self) -> None:
        """A function marked for another pluggy project is not a graftflow hook."""
        other = pluggy.HookimplMarker("not_graftflow")

        class Foreign:
            @other
            def graftflow_project_types(self) -> dict[str, Any]:
                return {"foreign": Target}

        session = gf.Session(environ={})
        plugin_manager(session).register(Foreign(), name="foreign")
        assert "foreign" not in project_types(session)

    def test_plugin_manager_per_session(self) -> None:
        """Each session has its own plugin manager, the same one on every call."""
        first, second = gf.Session(environ={}), gf.Session(environ={})
        assert plugin_manager(first) is plugin_manager(first)
        assert plugin_manager(first) is not plugin_manager(second)


class TestInstalledPlugins:
    def test_installed_plugins_registered(self, pipeline: ModuleType) -> None:
        """The graftflow.plugins entry points pipeline and show are registered by name."""
        import gftest_pipeline.plugin
        import gftest_show.plugin

        pm = plugin_manager(gf.Session(environ={}))
        assert pm.get_plugin("pipeline") is gftest_pipeline.plugin
        assert pm.get_plugin("show") is gftest_show.plugin

    def test_project_types(self, pipeline: ModuleType) -> None:
        """project_types() gathers the plugins' types; pipeline offers its Project."""
        session = gf.Session(environ={})
        types = project_types(session)
        assert types["pipeline"] is pipeline.Project
        assert session.diagnostics == []

    def test_pipeline_source(self, pipeline: ModuleType) -> None:
        """A plugin without an install hook is listed, ok, with no extensions."""
        found = plugin_source(gf.Session(environ={}), "pipeline")
        assert (found.label, found.ref, found.status, found.extensions) == (
            "plugin pipeline (gftest-pipeline 1.0.0)",
            "gftest_pipeline.plugin",
            "ok",
            [],
        )

    @pytest.mark.parametrize(
        ("blocked", "modules", "status"),
        [
            ("show", [], "blocked"),
            ("gftest-show", [], "blocked"),
            ("GFTEST_Show", [], "blocked"),
            ("", ["gftest_show", "gftest_show.plugin"], "ok"),
        ],
    )
    def test_blocked_plugin_never_imported(
        self,
        pipeline: ModuleType,
        run_python: PythonRunner,
        blocked: str,
        modules: list[str],
        status: str,
    ) -> None:
        """A blocked plugin's module is never imported (checked in a fresh interpreter)."""
        proc = run_python(
            f"""
            import json, sys
            import graftflow as gf
            from graftflow.extensions import plugin_manager, project_types, registry

            session = gf.Session(environ={{"GRAFTFLOW_BLOCKED": {blocked!r}}})
            registry(session)
            types = project_types(session)
            (show,) = [s for s in registry(session).sources if s.name == "show"]
            print(json.dumps({{
                "modules": sorted(m for m in sys.modules if m.startswith("gftest_show")),
                "status": show.status,
                "detail": show.detail,
                "is_blocked": plugin_manager(session).is_blocked("show"),
                "pipeline": "pipeline" in types,
            }}))
            """
        )
        result = json.loads(proc.stdout)
        assert result == {
            "modules": modules,
            "status": status,
            "detail": f"blocked by {blocked!r}" if blocked else None,
            "is_blocked": bool(blocked),
            "pipeline": True,
        }


class TestPluginsInCode:
    def test_registered_before_first_use(self) -> None:
        """A plugin registered before the registry is built contributes its extensions."""
        session = gf.Session(user="ana", environ={})
        plugin_manager(session).register(InlinePlugin(), name="inline")
        project = gf.Flow(session=session).create_project("t", Target)
        assert project.who.get() == "inline for ana"
        (record,) = [r for r in describe(project) if r.name == "who"]
        assert (record.origin, record.source) == ("inline", "plugin inline")
        found = plugin_source(session, "inline")
        assert (found.ref, found.dist, found.status, found.extensions) == (
            None,
            None,
            "ok",
            ["inline"],
        )

    def test_fewer_arguments_than_spec(self) -> None:
        """A hook implementation may take fewer arguments than the spec (pluggy's rule)."""
        session = gf.Session(environ={})
        plugin_manager(session).register(OrderPlugin(), name="order")
        assert gf.Flow(session=session).create_project("t", Target).who.get() == "plugin"
        assert session.diagnostics == []

    def test_registered_after_first_use_needs_reload(self) -> None:
        """After the registry is built a new plugin is unused; reload_extensions() forgets it."""
        session = gf.Session(environ={})
        flow = gf.Flow(session=session)
        assert not hasattr(flow.create_project("a", Target), "who")
        pm = plugin_manager(session)
        pm.register(OrderPlugin(), name="order")
        assert not hasattr(flow.create_project("b", Target), "who")
        session.reload_extensions()
        assert plugin_manager(session) is not pm
        assert not plugin_manager(session).has_plugin("order")

    def test_project_types_in_code(self) -> None:
        """A plugin in code offers project types; a non-Object type is a diagnostic."""
        session = gf.Session(environ={})
        plugin_manager(session).register(InlinePlugin(), name="inline")
        types = project_types(session)
        assert types["target"] is Target
        assert "not_an_object" not in types
        assert [(d.source, d.error, d.message) for d in session.diagnostics] == [
            (
                "plugin inline",
                "TypeError",
                "project type 'not_an_object' is <class 'int'>, not an Object subclass",
            )
        ]

    def test_raising_hook_isolated(self) -> None:
        """A raising hook is a diagnostic; the other plugins' answers are kept."""
        session = gf.Session(environ={})
        plugin_manager(session).register(RaisingHooks(), name="raiser")
        plugin_manager(session).register(InlinePlugin(), name="inline")
        assert project_types(session)["target"] is Target
        found = [(d.source, d.error, d.message) for d in session.diagnostics]
        assert found[0] == (
            "plugin raiser",
            "RuntimeError",
            "graftflow_project_types raised RuntimeError: types unavailable",
        )


def installs(label: str, **opts: Any) -> Any:
    """A plugin whose install hook offers ``who`` = ``label``, with pluggy's ``opts``."""

    class Plugin:
        @hookimpl(**opts)
        def graftflow_install_extensions(self) -> dict[str, list[Any]]:
            return {label: [who(label)]}

    return Plugin()


class Wrapper:
    """A new-style pluggy wrapper around the install hook (issue 16: it used to be
    reported as "returned generator")."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    @hookimpl(wrapper=True)
    def graftflow_install_extensions(self, session: gf.Session) -> Any:
        results = yield
        self.seen.append([sorted(result) for result in results])
        return [*results, {"wrapped": [who("wrapped")]}]


class Raising:
    @hookimpl
    def graftflow_install_extensions(self) -> None:
        raise RuntimeError("install server down")


class FirstResultSpecs:
    @hookspec(firstresult=True)
    def graftflow_test_pick(self, session: gf.Session) -> Any:
        """A plugin-defined hook: the first answer wins."""


def target_with(*plugins: tuple[str, Any]) -> Any:
    """A Target in a session where ``plugins`` were registered in this order."""
    session = gf.Session(environ={})
    pm = plugin_manager(session)
    for name, plugin in plugins:
        pm.register(plugin, name=name)
    return gf.Flow(session=session).create_project("t", Target)


def winner(*plugins: tuple[str, Any]) -> tuple[str, gf.Session]:
    """The ``who`` a Target ends up with when ``plugins`` are registered in order."""
    project = target_with(*plugins)
    return project.who.get(), project.root().session()


class TestHooksThroughPluggy:
    """graftflow's hooks run through pluggy's own machinery (issue 16)."""

    def test_call_order_last_registered_first(self) -> None:
        """pluggy calls the last registered first; the relation found last wins a tie."""
        assert winner(("a", installs("a")), ("b", installs("b")))[0] == "a"
        assert winner(("b", installs("b")), ("a", installs("a")))[0] == "b"

    def test_tryfirst_and_trylast_move_an_implementation(self) -> None:
        """tryfirst is called first and trylast last, whatever the registration order."""
        early, late = installs("early", tryfirst=True), installs("late", trylast=True)
        assert winner(("early", early), ("late", late))[0] == "late"
        assert winner(("late", late), ("early", early))[0] == "late"
        early, late = installs("early", trylast=True), installs("late", tryfirst=True)
        assert winner(("late", late), ("early", early))[0] == "early"

    def test_wrapper_sees_and_changes_the_results(self) -> None:
        """A wrapper=True implementation wraps the call: it sees every result and may add
        one, which the registry takes like any other."""
        wrapper = Wrapper()
        project = target_with(("a", installs("a")), ("wrapper", wrapper))
        assert project.who.get() == "wrapped"
        (seen,) = wrapper.seen  # one call, with the installed plugins' results too
        assert seen[0] == ["a"]
        assert project.root().session().diagnostics == []
        (record,) = [r for r in describe(project) if r.name == "who"]
        assert (record.origin, record.source) == ("wrapped", "graftflow_install_extensions wrapper")

    def test_raising_implementation_is_isolated(self) -> None:
        """One implementation raising is one diagnostic; the others are still called,
        and its plugin is marked failed."""
        found, session = winner(("a", installs("a")), ("raising", Raising()), ("b", installs("b")))
        assert found == "a"
        assert [(d.source, d.error, d.message) for d in session.diagnostics] == [
            (
                "plugin raising",
                "RuntimeError",
                "graftflow_install_extensions raised RuntimeError: install server down",
            )
        ]
        raising = plugin_source(session, "raising")
        assert (raising.status, raising.detail) == (
            "failed",
            "graftflow_install_extensions raised RuntimeError: install server down",
        )

    def test_tracing_sees_the_calls(self) -> None:
        """pluggy's tracing hears graftflow's hook calls (they go through pm.hook)."""
        session = gf.Session(environ={})
        pm = plugin_manager(session)
        pm.register(installs("a"), name="a")
        heard: list[str] = []
        undo = pm.add_hookcall_monitoring(
            lambda name, impls, kwargs: heard.append(name), lambda *args: None
        )
        try:
            registry(session)
            project_types(session)
        finally:
            undo()
        assert heard == ["graftflow_install_extensions", "graftflow_project_types"]

    def test_firstresult_hook_gives_one_answer(self) -> None:
        """call_hook() honours firstresult: one (plugin, answer) pair, the first found."""
        session = gf.Session(environ={})
        pm = plugin_manager(session)
        pm.add_hookspecs(FirstResultSpecs)

        class Answer:
            def __init__(self, value: Any) -> None:
                self.value = value

            @hookimpl
            def graftflow_test_pick(self) -> Any:
                return self.value

        pm.register(Answer("first registered"), name="one")
        pm.register(Answer(None), name="two")
        pm.register(Answer("last registered"), name="three")
        ((source, answer),) = call_hook(session, "graftflow_test_pick", session=session)
        assert (source.label, answer) == ("plugin three", "last registered")


class TestShowOverride:
    """The three uses, override: one show replaces the base status of its Shots."""

    def test_show_project_overrides_status(self, pipeline: ModuleType) -> None:
        """In project show_a a Shot's status is the show's, weight 5, from plugin show."""
        shot = make_shot(gf.Flow(session=gf.Session(environ={})), pipeline, "show_a")
        assert shot.status.get() == "show-wip"
        (record,) = [r for r in describe(shot) if r.name == "status"]
        assert (record.origin, record.weight, record.factory, record.source) == (
            "show_status",
            5,
            "gftest_show:show_status",
            SHOW_LABEL,
        )
        assert [(b.origin, b.weight, b.factory) for b in record.beaten] == [
            ("base", None, None),
            ("show_status", -1, "gftest_show:fallback_status"),
        ]

    def test_other_project_keeps_base(self, pipeline: ModuleType) -> None:
        """Elsewhere the base status stays; the negative-weight candidate is listed as beaten."""
        shot = make_shot(gf.Flow(session=gf.Session(environ={})), pipeline, "other")
        assert shot.status.get() == "wip"
        (record,) = [r for r in describe(shot) if r.name == "status"]
        assert (record.origin, record.weight, record.source) == ("base", None, None)
        assert [(b.origin, b.weight, b.factory, b.source) for b in record.beaten] == [
            ("show_status", -1, "gftest_show:fallback_status", SHOW_LABEL),
        ]

    def test_override_keeps_base_position(self, pipeline: ModuleType) -> None:
        """The overriding status shows where the base one did; other relations are untouched."""
        flow = gf.Flow(session=gf.Session(environ={}))
        show = [r.name for r in describe(make_shot(flow, pipeline, "show_a"))]
        other = [r.name for r in describe(make_shot(flow, pipeline, "other"))]
        assert show == other
        assert show[-4:] == ["status", "frame_in", "frame_out", "tasks"]

    def test_project_asks_for_its_own_project(self, pipeline: ModuleType) -> None:
        """show_code calls project_of() on the project itself (the seed could not)."""
        flow = gf.Flow(session=gf.Session(environ={}))
        assert flow.create_project("show_a", pipeline.Project).show_code.get() == "SHOW_A"

    def test_set_get_round_trip(self, pipeline: ModuleType) -> None:
        """The overriding param stores its value; a new session on the store reads it back."""
        flow = gf.Flow(session=gf.Session(environ={}))
        show = make_shot(flow, pipeline, "show_a")
        other = make_shot(flow, pipeline, "other")
        show.status.set("show-done")
        other.status.set("done")
        assert (show.status.get(), other.status.get()) == ("show-done", "done")
        again = gf.Flow(session=gf.Session(environ={}), store=flow.store())
        shot = again.get_object("/show_a/films/f1/shots/s1")
        assert shot.status.get() == "show-done"
        show.status.revert_to_default()
        assert show.status.get() == "show-wip"

    def test_blocked_show_keeps_base(self, pipeline: ModuleType) -> None:
        """With the show plugin blocked, show_a's Shots have the base status again."""
        flow = gf.Flow(session=gf.Session(environ={"GRAFTFLOW_BLOCKED": "show_status"}))
        shot = make_shot(flow, pipeline, "show_a")
        assert shot.status.get() == "wip"
        (record,) = [r for r in describe(shot) if r.name == "status"]
        assert (record.origin, record.beaten) == ("base", ())

    @pytest.mark.parametrize(("weight", "value"), [(0, "plugin"), (3, "plugin"), (-1, "base")])
    def test_override_base_param(self, weight: float, value: str) -> None:
        """A plugin's candidate of weight >= 0 overrides a base param; a negative one never."""

        class Override:
            @hookimpl
            def graftflow_install_extensions(self) -> dict[str, list[Any]]:
                factory = gf.StringParam("plugin")
                factory.name = "base"
                return {"override": [lambda parent: (factory, weight)]}

        session = gf.Session(environ={})
        plugin_manager(session).register(Override(), name="override")
        project = gf.Flow(session=session).create_project("t", Target)
        assert project.base.get() == value
        project.base.set("set")
        assert project.base.get() == "set"


class TestStoreSchemes:
    def test_plugin_scheme_opens_stores(self) -> None:
        """A plugin's scheme opens stores when the session's schemes are passed."""
        session = gf.Session(environ={})
        plugin = SchemePlugin()
        plugin_manager(session).register(plugin, name="schemes")
        schemes = store_schemes(session)
        store = gf.open_store("teststore://x", schemes=schemes)
        assert isinstance(store, gf.MemoryStore)
        assert plugin.opened == [("teststore://x", True)]
        gf.open_store("teststore://y", create=False, schemes=schemes)
        assert plugin.opened[-1] == ("teststore://y", False)

    def test_scheme_serves_its_session_only(self) -> None:
        """Nothing is registered for the process: other callers never see the scheme
        (a server holds sessions of users with different plugins)."""
        session = gf.Session(environ={})
        plugin_manager(session).register(SchemePlugin(), name="schemes")
        assert "teststore" in store_schemes(session)
        with pytest.raises(gf.StoreError, match=r"^unknown store scheme 'teststore' in "):
            gf.open_store("teststore://x")
        other = gf.Session(environ={})
        assert "teststore" not in store_schemes(other)

    def test_clash_and_non_callable_are_diagnostics(self) -> None:
        """A known scheme or a non-callable factory is a diagnostic, not a crash."""
        session = gf.Session(environ={})
        plugin_manager(session).register(SchemePlugin(), name="schemes")
        assert list(store_schemes(session)) == ["teststore"]
        assert [(d.source, d.error, d.message) for d in session.diagnostics] == [
            ("plugin schemes", "ValueError", "store scheme 'memory' is already registered"),
            ("plugin schemes", "ValueError", "the factory for 'notcallable' is 42, not callable"),
        ]
        assert isinstance(gf.open_store("memory://"), gf.MemoryStore)

    def test_non_dict_result(self) -> None:
        """A hook returning something else than a dict is a diagnostic."""
        session = gf.Session(environ={})
        plugin_manager(session).register(RaisingHooks(), name="raiser")
        assert store_schemes(session) == {}
        assert [(d.source, d.error, d.message) for d in session.diagnostics] == [
            (
                "plugin raiser",
                "TypeError",
                "graftflow_store_schemes returned list; expected a dict or None",
            )
        ]


BROKEN = "gftest-broken 0.0.1"


@pytest.mark.usefixtures("broken")
class TestBrokenPlugins:
    @pytest.mark.parametrize(
        ("name", "error", "message"),
        [
            (
                "bad_signature",
                "PluginValidationError",
                (
                    "cannot load plugin 'gftest_broken.bad_signature': Plugin 'bad_signature' for "
                    "hook 'graftflow_install_extensions'; hookimpl definition: "
                    "graftflow_install_extensions(session, flow); Argument(s) {'flow'} are "
                    "declared in the hookimpl but can not be found in the hookspec"
                ),
            ),
            (
                "typo",
                "PluginValidationError",
                (
                    "unknown hook 'graftflow_instal_extensions' in plugin 'typo', so it is never "
                    "called; did you mean 'graftflow_install_extensions'?"
                ),
            ),
            (
                "plugin_import_fails",
                "RuntimeError",
                (
                    "cannot load plugin 'gftest_broken_import': cannot import module "
                    "'gftest_broken_import': RuntimeError: gftest_broken_import cannot be "
                    "imported: its config is missing"
                ),
            ),
            (
                "raising_plugin",
                "KeyError",
                "graftflow_install_extensions raised KeyError: 'plugin settings'",
            ),
        ],
    )
    def test_broken_plugin(self, name: str, error: str, message: str) -> None:
        """Each broken plugin is one diagnostic under its source label, on one line."""
        session = gf.Session(environ={})
        registry(session)
        label = f"plugin {name} ({BROKEN})"
        found = [(d.error, d.message) for d in session.diagnostics if d.source == label]
        assert found == [(error, message)]
        (diagnostic,) = [d for d in session.diagnostics if d.source == label]
        assert "\n" not in str(diagnostic)
        assert plugin_source(session, name).detail == message

    @pytest.mark.parametrize(
        ("name", "status"),
        [
            ("bad_signature", "failed"),
            ("plugin_import_fails", "failed"),
            ("raising_plugin", "failed"),
        ],
    )
    def test_failed_status(self, name: str, status: str) -> None:
        """A plugin that cannot load or whose install hook raises is marked failed."""
        assert plugin_source(gf.Session(environ={}), name).status == status

    def test_others_still_work(self, pipeline: ModuleType) -> None:
        """The broken plugins hide nothing: the installed ones still apply."""
        session = gf.Session(environ={})
        shot = make_shot(gf.Flow(session=session), pipeline, "show_a")
        assert shot.status.get() == "show-wip"
        assert project_types(session)["pipeline"] is pipeline.Project

    def test_every_misspelt_hook_reported(self, tmp_dists: TmpDists) -> None:
        """Two plugins with misspelt hooks are two diagnostics, not just the first found."""
        tmp_dists.module(
            "gftypo_second",
            """
            from graftflow.plugins import hookimpl

            @hookimpl
            def graftflow_project_type(session):
                return {}
            """,
        )
        tmp_dists.dist(
            "gftest-typo2", entry_points={"graftflow.plugins": {"typo2": "gftypo_second"}}
        )
        session = gf.Session(environ={})
        registry(session)
        typos = [
            (d.source, d.message)
            for d in session.diagnostics
            if d.message.startswith("unknown hook")
        ]
        assert typos == [
            (
                f"plugin typo ({BROKEN})",
                (
                    "unknown hook 'graftflow_instal_extensions' in plugin 'typo', so it is never "
                    "called; did you mean 'graftflow_install_extensions'?"
                ),
            ),
            (
                "plugin typo2 (gftest-typo2 1.0)",
                (
                    "unknown hook 'graftflow_project_type' in plugin 'typo2', so it is never "
                    "called; did you mean 'graftflow_project_types'?"
                ),
            ),
        ]


class TestHookLabels:
    def test_entry_point_plugin_hook_failure_has_full_label(self, tmp_dists: TmpDists) -> None:
        """A failing hook of an installed plugin is labelled as the registry labels it."""
        tmp_dists.module(
            "gfraising_types",
            """
            from graftflow.plugins import hookimpl

            @hookimpl
            def graftflow_project_types():
                raise LookupError("no types today")
            """,
        )
        tmp_dists.dist(
            "gftest-hooks", entry_points={"graftflow.plugins": {"raising_types": "gfraising_types"}}
        )
        session = gf.Session(environ={})
        project_types(session)
        assert [(d.source, d.error, d.message) for d in session.diagnostics] == [
            (
                "plugin raising_types (gftest-hooks 1.0)",
                "LookupError",
                "graftflow_project_types raised LookupError: no types today",
            )
        ]


class TestModuleFastPath:
    """PluginManager.parse_hookimpl_opts and parse_hookspec_opts answer a module's names
    themselves (W8, session start; issue 15, command latency); on every kind of value
    they must answer as pluggy's own rule does."""

    @staticmethod
    def _module() -> ModuleType:
        module = ModuleType("gf_fast_path_probe")

        @hookimpl
        def graftflow_installers(session: gf.Session) -> None:
            return None

        @hookimpl(tryfirst=True, specname="graftflow_installers")
        def renamed(session: gf.Session) -> None:
            return None

        def plain(session: gf.Session) -> None:
            return None

        def odd_marker() -> None:
            return None

        odd_marker.graftflow_impl = "not a dict"  # type: ignore[attr-defined]

        @hookspec(firstresult=True)
        def graftflow_probe_spec(session: gf.Session) -> None:
            """A hook specification."""

        @hookimpl
        def in_static() -> None:
            return None

        module.__dict__.update(
            graftflow_installers=graftflow_installers,
            renamed=renamed,
            plain=plain,
            odd_marker=odd_marker,
            graftflow_probe_spec=graftflow_probe_spec,
            static=staticmethod(in_static),
            bound=InlinePlugin().graftflow_project_types,
            a_class=InlinePlugin,
            a_builtin=len,
            a_module=json,
            data={"graftflow_impl": {}},
            number=3,
        )
        return module

    def test_answers_as_pluggy_on_every_kind_of_value(self) -> None:
        pm = plugin_manager(gf.Session(environ={}))
        modules = [self._module(), graftflow.plugins, *(p for _, p in pm.list_name_plugin())]
        compared = 0
        for module in modules:
            if not isinstance(module, ModuleType):
                continue
            for name in dir(module):
                ours = pm.parse_hookimpl_opts(module, name)
                theirs = pluggy.PluginManager.parse_hookimpl_opts(pm, module, name)
                assert ours == theirs, (module.__name__, name)
                compared += 1
        probe = self._module()
        assert pm.parse_hookimpl_opts(probe, "graftflow_installers") is not None
        assert pm.parse_hookimpl_opts(probe, "renamed")["specname"] == "graftflow_installers"
        assert pm.parse_hookimpl_opts(probe, "plain") is None
        assert pm.parse_hookimpl_opts(probe, "odd_marker") is None
        assert compared > 100

    def test_hookspecs_answer_as_pluggy_on_every_kind_of_value(self) -> None:
        import graftflow.extensions._hookspecs as extension_specs
        import graftflow.plugins.web.hookspecs as web_specs
        import graftflow.plugins.workflow._hookspecs as workflow_specs

        pm = plugin_manager(gf.Session(environ={}))
        modules = [self._module(), extension_specs, web_specs, workflow_specs, graftflow.plugins]
        compared = specs = 0
        for module in modules:
            for name in dir(module):
                ours = pm.parse_hookspec_opts(module, name)
                theirs = pluggy.PluginManager.parse_hookspec_opts(pm, module, name)
                assert ours == theirs, (module.__name__, name)
                compared += 1
                specs += ours is not None
        probe = self._module()
        assert pm.parse_hookspec_opts(probe, "graftflow_probe_spec")["firstresult"] is True
        assert pm.parse_hookspec_opts(probe, "graftflow_installers") is None  # an impl
        assert specs >= 8
        assert compared > 80
