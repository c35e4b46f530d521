"""Session: who works, diagnostics recorded once, per-layer state."""

from __future__ import annotations

import logging
import re

import pytest

import graftflow as gf


class TestIdentity:
    @pytest.mark.parametrize(
        ("environ", "user"),
        [
            ({"GRAFTFLOW_USER": "ana", "USER": "root"}, "ana"),
            ({"LOGNAME": "bob", "USER": "root"}, "bob"),
            ({"USER": "carl"}, "carl"),
            ({"USERNAME": "dina"}, "dina"),
            ({}, "anonymous"),
        ],
    )
    def test_user_from_environ(self, environ: dict[str, str], user: str) -> None:
        """The user comes from the given environ, GRAFTFLOW_USER first."""
        session = gf.Session(environ=environ)
        assert session.user == user
        assert session.environ is environ

    def test_process_without_user_variables_is_its_passwd_login(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """In a process whose environment names no user (a container, a service), the
        session reads the passwd entry, as getpass.getuser() would."""
        import getpass

        for var in ("GRAFTFLOW_USER", "LOGNAME", "USER", "LNAME", "USERNAME"):
            monkeypatch.delenv(var, raising=False)
        assert gf.Session.from_environment().user == getpass.getuser() != "anonymous"

    def test_explicit_user_wins(self) -> None:
        """An explicit user overrides the environment."""
        assert gf.Session(user="eve", environ={"GRAFTFLOW_USER": "ana"}).user == "eve"

    def test_uid_starts_with_user_and_is_unique(self) -> None:
        """uid is 'user:token', unique per session (the seed's split(':') idiom works)."""
        first, second = gf.Session(user="ana"), gf.Session(user="ana")
        assert re.fullmatch(r"ana:[0-9a-f]{12}", first.uid)
        assert first.uid != second.uid
        assert first.uid.split(":", 1)[0] == "ana"

    def test_from_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """from_environment() reads os.environ."""
        monkeypatch.setenv("GRAFTFLOW_USER", "frank")
        session = gf.Session.from_environment()
        assert session.user == "frank"
        assert session.config is None

    def test_flow_default_session(self) -> None:
        """A flow without a session gets its own."""
        flow = gf.Flow()
        assert isinstance(flow.session(), gf.Session)
        assert flow.session() is not gf.Flow().session()


class TestDiagnostics:
    def test_report_records_and_logs_once(self, caplog: pytest.LogCaptureFixture) -> None:
        """The same problem on many objects is one diagnostic with a count, logged once."""
        session = gf.Session(user="ana", environ={})
        caplog.set_level(logging.ERROR, logger="graftflow")
        error = ValueError("boom")
        for oid in ("/p/a", "/p/b", "/p/c"):
            session.report(
                "factory failed: boom",
                source="entry point studio",
                extension="review",
                factory="studio.review:factory",
                oid=oid,
                error=error,
            )
        assert len(session.diagnostics) == 1
        diagnostic = session.diagnostics[0]
        assert (diagnostic.source, diagnostic.extension, diagnostic.factory) == (
            "entry point studio",
            "review",
            "studio.review:factory",
        )
        assert (diagnostic.oid, diagnostic.error, diagnostic.count) == ("/p/a", "ValueError", 3)
        assert str(diagnostic) == (
            "[entry point studio] extension 'review' factory studio.review:factory on /p/a: "
            "ValueError: factory failed: boom (x3)"
        )
        records = [r for r in caplog.records if r.name == "graftflow"]
        assert len(records) == 1
        assert records[0].exc_info is not None

    def test_different_problems_are_separate(self) -> None:
        """Different messages or origins are different diagnostics."""
        session = gf.Session(environ={})
        session.report("a", source="x")
        session.report("b", source="x")
        session.report("a", source="y")
        assert [str(d) for d in session.diagnostics] == ["[x]: a", "[x]: b", "[y]: a"]

    def test_plain_message(self) -> None:
        """A diagnostic without origin is just its message."""
        session = gf.Session(environ={})
        assert str(session.report("something odd", error="Warning")) == "Warning: something odd"

    def test_error_type_said_once(self) -> None:
        """A message that already names its exception type is not prefixed with it
        again (issue 15: "ModuleNotFoundError: ... ModuleNotFoundError: No module")."""
        session = gf.Session(environ={"GRAFTFLOW_INSTALLERS": "nowhere_at_all:install"})
        from graftflow.extensions import registry

        registry(session)
        (diagnostic,) = session.diagnostics
        assert diagnostic.error == "ModuleNotFoundError"
        assert str(diagnostic) == (
            "[GRAFTFLOW_INSTALLERS: nowhere_at_all:install]: cannot load installer "
            "'nowhere_at_all:install': cannot import module 'nowhere_at_all': "
            "ModuleNotFoundError: No module named 'nowhere_at_all'"
        )
        assert str(diagnostic).count("ModuleNotFoundError") == 1


class TestState:
    def test_reload_extensions_drops_state(self) -> None:
        """reload_extensions() clears upper layers' state and bumps the generation."""
        session = gf.Session(environ={})
        session.state["graftflow.extensions"] = object()
        assert session.generation == 0
        session.reload_extensions()
        assert session.state == {}
        assert session.generation == 1
        assert "0 diagnostics" in repr(session)
