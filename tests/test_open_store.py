"""open_store(): store URLs, and register_store_scheme() for extra backends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import graftflow as gf
from graftflow.extending import register_store_scheme

SQLITE_HINT = "write sqlite:///relative/path.db or sqlite:////absolute/path.db"


def exact(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return f"^{re.escape(message)}$"


def known_schemes_pattern(before: str, after: str = "") -> str:
    """A pattern for a message listing the known schemes, built-ins first.

    Other tests (or plugins) may have registered schemes of their own, which appear after
    the built-ins; only those four are pinned here.
    """
    return (
        "^"
        + re.escape(
            f"{before} (known: memory://, sqlite:///PATH, redis://HOST:PORT/DB, "
            "rediss://HOST:PORT/DB"
        )
        + r"(, [^,()]+://\.\.\.)*\)"
        + re.escape(after)
        + "$"
    )


@pytest.fixture
def opened() -> Iterator[list[gf.Store]]:
    """Stores a test opened, closed at teardown."""
    stores: list[gf.Store] = []
    yield stores
    for store in stores:
        store.close()


class TestMemoryURL:
    def test_gives_a_fresh_memory_store(self, opened: list[gf.Store]) -> None:
        """'memory://' opens a new, empty MemoryStore each time."""
        first = gf.open_store("memory://")
        opened.append(first)
        first.set("/k", 1)
        second = gf.open_store("memory://")
        opened.append(second)
        assert isinstance(first, gf.MemoryStore)
        assert isinstance(second, gf.MemoryStore)
        assert second is not first
        assert second.get("/k") is None
        assert first.url == "memory://"

    @pytest.mark.parametrize("url", ["memory://x", "memory:///", "memory://studio.db"])
    def test_refuses_a_path(self, url: str) -> None:
        """A memory URL with anything after '//' is refused, showing the right URL."""
        with pytest.raises(
            gf.StoreError, match=exact(f"{url!r}: a memory store takes no path; use 'memory://'")
        ):
            gf.open_store(url)


class TestSQLiteURL:
    def test_three_slashes_is_relative_to_the_cwd(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: list[gf.Store]
    ) -> None:
        """'sqlite:///rel.db' opens rel.db in the working directory."""
        monkeypatch.chdir(tmp_path)
        store = gf.open_store("sqlite:///rel.db")
        opened.append(store)
        assert isinstance(store, gf.SQLiteStore)
        assert store.path == tmp_path / "rel.db"
        assert (tmp_path / "rel.db").is_file()

    def test_relative_subdirectory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: list[gf.Store]
    ) -> None:
        """'sqlite:///sub/rel.db' opens sub/rel.db under the working directory."""
        monkeypatch.chdir(tmp_path)
        (tmp_path / "sub").mkdir()
        store = gf.open_store("sqlite:///sub/rel.db")
        opened.append(store)
        assert isinstance(store, gf.SQLiteStore)
        assert store.path == tmp_path / "sub" / "rel.db"

    def test_four_slashes_is_absolute(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: list[gf.Store]
    ) -> None:
        """'sqlite:////abs/path.db' opens the absolute path, whatever the cwd."""
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        monkeypatch.chdir(elsewhere)
        target = tmp_path / "abs.db"
        url = f"sqlite:///{target}"
        assert url.startswith("sqlite:////")
        store = gf.open_store(url)
        opened.append(store)
        assert isinstance(store, gf.SQLiteStore)
        assert store.path == target
        assert target.is_file()
        assert not (elsewhere / "abs.db").exists()

    def test_tilde_is_expanded(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: list[gf.Store]
    ) -> None:
        """'sqlite:///~/x.db' opens x.db in the home directory."""
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.chdir(tmp_path.parent)
        store = gf.open_store("sqlite:///~/x.db")
        opened.append(store)
        assert isinstance(store, gf.SQLiteStore)
        assert store.path == tmp_path / "x.db"
        assert store.url == f"sqlite:///{tmp_path}/x.db"
        assert (tmp_path / "x.db").is_file()

    @pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite://host/x.db"])
    def test_refuses_urls_without_a_path(self, url: str) -> None:
        """A sqlite URL without a path after the third slash shows both accepted forms."""
        with pytest.raises(gf.StoreError, match=exact(f"{url!r}: {SQLITE_HINT}")):
            gf.open_store(url)

    def test_missing_relative_directory_hints_at_four_slashes(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A relative URL into a missing directory explains relative and absolute URLs."""
        monkeypatch.chdir(tmp_path)
        with pytest.raises(
            gf.StoreError,
            match=re.escape(
                "(sqlite:///PATH is relative to the working directory; "
                "use sqlite:////PATH for an absolute path)"
            ),
        ):
            gf.open_store("sqlite:///srv/studio.db")

    def test_create_false_passes_through(self, tmp_path: Path) -> None:
        """create=False refuses a missing file instead of creating it."""
        target = tmp_path / "missing.db"
        with pytest.raises(
            gf.StoreError,
            match=exact(
                f"no store at {target}: the file does not exist (check the path, or run "
                "'graftflow demo' to create the demo store)"
            ),
        ):
            gf.open_store(f"sqlite:///{target}", create=False)
        assert not target.exists()

    def test_create_false_opens_an_existing_file(
        self, tmp_path: Path, opened: list[gf.Store]
    ) -> None:
        """create=False opens a store file that exists."""
        target = tmp_path / "there.db"
        gf.SQLiteStore(target).close()
        store = gf.open_store(f"sqlite:///{target}", create=False)
        opened.append(store)
        assert isinstance(store, gf.SQLiteStore)
        assert store.path == target

    def test_url_reopens_the_same_store(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: list[gf.Store]
    ) -> None:
        """A store's .url opens the same file again, even from another directory."""
        monkeypatch.chdir(tmp_path)
        store = gf.open_store("sqlite:///rel.db")
        opened.append(store)
        store.set("/k", "v")
        other_dir = tmp_path / "other"
        other_dir.mkdir()
        monkeypatch.chdir(other_dir)
        again = gf.open_store(store.url, create=False)
        opened.append(again)
        assert again.url == store.url
        assert again.get("/k") == "v"


class TestBadURLs:
    @pytest.mark.parametrize("url", [None, b"memory://", 42, Path("studio.db"), ""])
    def test_non_str_or_empty_is_refused(self, url: Any) -> None:
        """Only a non-empty str is a store URL; the error shows what was given."""
        with pytest.raises(
            gf.StoreError, match=exact(f"a store URL must be a non-empty str, not {url!r}")
        ):
            gf.open_store(url)

    def test_unknown_scheme_lists_known_schemes(self) -> None:
        """An unknown scheme names itself and the URL and lists the known schemes."""
        with pytest.raises(
            gf.StoreError,
            match=known_schemes_pattern("unknown store scheme 'nosuch' in 'nosuch://x'"),
        ):
            gf.open_store("nosuch://x")

    @pytest.mark.parametrize("url", ["studio.db", "data/studio.sqlite", "/srv/studio.db"])
    def test_bare_database_path_suggests_a_sqlite_url(self, url: str) -> None:
        """A bare path to a .db or .sqlite file suggests the sqlite URL for it."""
        with pytest.raises(
            gf.StoreError,
            match=known_schemes_pattern(
                f"{url!r} is not a store URL", f"; did you mean 'sqlite:///{url}'?"
            ),
        ):
            gf.open_store(url)

    def test_bare_word_gets_no_sqlite_hint(self) -> None:
        """Something that does not look like a database file gets no sqlite suggestion."""
        with pytest.raises(
            gf.StoreError, match=known_schemes_pattern("'redis' is not a store URL")
        ):
            gf.open_store("redis")

    def test_store_error_is_a_graftflow_error(self) -> None:
        """URL errors can be caught as GraftflowError and OSError."""
        with pytest.raises(gf.GraftflowError, match="is not a store URL"):
            gf.open_store("studio.db")
        with pytest.raises(OSError, match="is not a store URL"):
            gf.open_store("studio.db")


class TestRedisURLWithoutRedis:
    def test_missing_redis_package_says_how_to_install_it(self, run_python: Any) -> None:
        """Without the redis package, a Redis URL is one StoreError naming the extra to
        install (the backend is imported only when a Redis URL is opened)."""
        proc = run_python(
            """
            import sys
            sys.modules["redis"] = None  # as if the package were not installed
            import graftflow as gf
            try:
                gf.open_store("redis://localhost:6379/0")
            except gf.StoreError as exc:
                print(exc)
            """
        )
        assert proc.stdout.strip() == (
            "'redis://localhost:6379/0': the Redis store needs the redis package; "
            "pip install 'graftflow[redis]'"
        )


class Recorder:
    """A store factory that records its calls and returns a MemoryStore."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []
        self.stores: list[gf.MemoryStore] = []

    def __call__(self, url: str, create: bool) -> gf.Store:
        self.calls.append((url, create))
        store = gf.MemoryStore()
        self.stores.append(store)
        return store


class TestRegisterStoreScheme:
    def test_registered_scheme_opens_through_its_factory(self) -> None:
        """open_store() hands the whole URL and create to the factory and returns its store."""
        factory = Recorder()
        unregister = register_store_scheme("gftest", factory)
        try:
            store = gf.open_store("gftest://host:1234/0")
            other = gf.open_store("gftest://h/1", create=False)
        finally:
            unregister()
        assert factory.calls == [("gftest://host:1234/0", True), ("gftest://h/1", False)]
        assert factory.stores == [store, other]

    def test_registered_scheme_is_listed_as_known(self) -> None:
        """A registered scheme appears in the unknown-scheme and bare-path messages."""
        unregister = register_store_scheme("gftest", Recorder())
        try:
            with pytest.raises(gf.StoreError, match=re.escape("gftest://...")):
                gf.open_store("nosuch://x")
            with pytest.raises(gf.StoreError, match=re.escape(", gftest://...)")):
                gf.open_store("studio.db")
        finally:
            unregister()
        with pytest.raises(gf.StoreError) as info:
            gf.open_store("nosuch://x")
        assert "gftest" not in str(info.value)

    def test_unregister_forgets_the_scheme(self) -> None:
        """After the returned callable runs, the scheme is unknown again."""
        unregister = register_store_scheme("gftest", Recorder())
        try:
            assert isinstance(gf.open_store("gftest://x"), gf.MemoryStore)
        finally:
            unregister()
        with pytest.raises(gf.StoreError, match=re.escape("unknown store scheme 'gftest'")):
            gf.open_store("gftest://x")

    def test_unregister_twice_is_harmless(self) -> None:
        """Calling the undo callable again does nothing."""
        unregister = register_store_scheme("gftest", Recorder())
        unregister()
        unregister()
        with pytest.raises(gf.StoreError, match=re.escape("unknown store scheme 'gftest'")):
            gf.open_store("gftest://x")

    def test_stale_unregister_leaves_a_newer_registration(self) -> None:
        """An old undo callable does not remove a scheme registered again afterwards."""
        old_unregister = register_store_scheme("gftest", Recorder())
        old_unregister()
        newer = Recorder()
        unregister = register_store_scheme("gftest", newer)
        try:
            old_unregister()
            gf.open_store("gftest://x")
            assert newer.calls == [("gftest://x", True)]
        finally:
            unregister()

    @pytest.mark.parametrize("scheme", ["memory", "sqlite", "redis", "rediss"])
    def test_refuses_built_in_schemes(self, scheme: str) -> None:
        """The built-in schemes cannot be replaced."""
        factory = Recorder()
        with pytest.raises(
            ValueError, match=exact(f"store scheme {scheme!r} is already registered")
        ):
            register_store_scheme(scheme, factory)
        store = gf.open_store("memory://")
        assert isinstance(store, gf.MemoryStore)
        assert factory.calls == []

    def test_refuses_a_duplicate(self) -> None:
        """Registering a taken scheme fails and keeps the first factory."""
        first, second = Recorder(), Recorder()
        unregister = register_store_scheme("gftest", first)
        try:
            with pytest.raises(
                ValueError, match=exact("store scheme 'gftest' is already registered")
            ):
                register_store_scheme("gftest", second)
            gf.open_store("gftest://x")
        finally:
            unregister()
        assert first.calls == [("gftest://x", True)]
        assert second.calls == []
