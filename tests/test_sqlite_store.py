"""SQLiteStore beyond the protocol: real files, real processes, threads, fork and locks.

The protocol itself is checked by test_store_conformance.py; here the file on disk and
the other processes using it are real, never mocked.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import graftflow_command
from workers import in_child, make_demo

import graftflow as gf

ABSENT = object()


def exact(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return f"^{re.escape(message)}$"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Where the test's store file goes."""
    return tmp_path / "studio.db"


@pytest.fixture
def store(path: Path) -> Iterator[gf.SQLiteStore]:
    """A fresh SQLite store on :func:`path`, closed afterwards."""
    s = gf.SQLiteStore(path)
    yield s
    s.close()


@contextlib.contextmanager
def raw_connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection in autocommit mode, as another program would use."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


class TestPersistence:
    def test_url_reopens_the_same_file(self, store: gf.SQLiteStore, path: Path) -> None:
        """store.url is an absolute sqlite URL that open_store() maps to the same file."""
        store.set("/k", "v")
        assert store.url == f"sqlite:///{path}"
        other = gf.open_store(store.url, create=False)
        try:
            assert isinstance(other, gf.SQLiteStore)
            assert other.path == path
            assert other.get("/k") == "v"
        finally:
            other.close()


class TestFileFormat:
    def test_wal_journal_mode_is_on(self, store: gf.SQLiteStore, path: Path) -> None:
        """The file is in WAL mode, as seen by any other sqlite3 connection."""
        store.set("/k", 1)
        with raw_connection(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)

    def test_schema_version_is_recorded(self, store: gf.SQLiteStore, path: Path) -> None:
        """A new file records schema version 3 in graftflow_meta."""
        with raw_connection(path) as conn:
            rows = conn.execute("SELECT name, value FROM graftflow_meta").fetchall()
        assert rows == [("schema_version", "3")]

    def test_members_name_their_map_by_number(self, store: gf.SQLiteStore, path: Path) -> None:
        """A map's key is written once: its members carry the map's integer id (a
        million-item map repeats no key text; issue 18)."""
        store.ordered_add("/project/films/f01/shots", {"a": None, "b": None})
        store.ordered_add("/project/films/f02/shots", {"a": None})
        with raw_connection(path) as conn:
            columns = [row[1] for row in conn.execute("PRAGMA table_info(members)")]
            kinds = conn.execute("SELECT DISTINCT typeof(map) FROM members").fetchall()
            maps = conn.execute("SELECT key, n, next FROM maps ORDER BY id").fetchall()
        assert columns == ["map", "name", "value", "pos"]
        assert kinds == [("integer",)]
        assert maps == [("/project/films/f01/shots", 2, 2), ("/project/films/f02/shots", 1, 1)]

    def test_values_are_stored_as_json_text(self, store: gf.SQLiteStore, path: Path) -> None:
        """Values are plain JSON in the file, readable by any program (never pickle)."""
        store.set("/k", {"a": [1, None]})
        with raw_connection(path) as conn:
            (text,) = conn.execute("SELECT value FROM kv WHERE key = '/k'").fetchone()
        assert json.loads(text) == {"a": [1, None]}


#: A layout graftflow wrote during its development (schema version 1).
V1_SCHEMA = """
CREATE TABLE graftflow_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE hashes (
    key TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, field)
) WITHOUT ROWID;
CREATE TABLE members (
    seq INTEGER PRIMARY KEY, key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL
);
CREATE UNIQUE INDEX members_by_name ON members (key, name);
CREATE INDEX members_in_order ON members (key, seq, name);
CREATE TABLE member_counts (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO graftflow_meta VALUES ('schema_version', '1');
"""


class TestPositions:
    """Pages are index range scans from a position; removals leave holes, closed later."""

    def test_pages_after_removals_match_a_list(
        self, store: gf.SQLiteStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Adds and removals anywhere (first, last, middle, runs), with compaction every
        few holes: every page, from every start, is the list's slice."""
        import graftflow.stores._sqlite as module

        monkeypatch.setattr(module, "_COMPACT_AT", 7)
        model = [f"n{i:03d}" for i in range(60)]
        store.ordered_add("/m", dict.fromkeys(model))
        rng = random.Random(11)
        for step in range(45):
            if step % 5 == 4:
                fresh = [f"x{step:03d}{j}" for j in range(3)]
                store.ordered_add("/m", dict.fromkeys(fresh))
                model.extend(fresh)
            else:
                victim = model[rng.choice([0, -1, rng.randrange(len(model))])]
                assert store.ordered_remove("/m", victim) is True
                model.remove(victim)
            assert store.ordered_len("/m") == len(model)
            for start in (0, 1, 5, len(model) // 2, len(model) - 1, len(model)):
                assert store.ordered_range("/m", start, start + 4) == model[start : start + 4]
            assert store.ordered_range("/m") == model
        with raw_connection(store.path) as conn:
            holes = conn.execute("SELECT count(*) FROM member_holes").fetchone()[0]
            n, end = conn.execute("SELECT n, next FROM maps").fetchone()
        assert holes == end - n < 7

    def test_deep_page_uses_the_position_index(self, store: gf.SQLiteStore) -> None:
        """The page query is a search on (map, pos): no OFFSET scan of the pages before."""
        store.ordered_add("/m", {f"n{i}": None for i in range(10)})
        with raw_connection(store.path) as conn:
            plan = conn.execute(
                "EXPLAIN QUERY PLAN SELECT name FROM members WHERE map = ? AND pos >= ? "
                "ORDER BY pos LIMIT ?",
                (1, 5, 2),
            ).fetchall()
        assert "USING COVERING INDEX members_in_order (map=? AND pos>?)" in str(plan)

    def test_emptied_map_forgets_its_holes(self, store: gf.SQLiteStore) -> None:
        """Removing every item leaves no count and no hole behind; adding starts at 0."""
        store.ordered_add("/m", {"a": None, "b": None, "c": None})
        for name in ("b", "a", "c"):
            store.ordered_remove("/m", name)
        with raw_connection(store.path) as conn:
            assert conn.execute("SELECT count(*) FROM member_holes").fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM maps").fetchone() == (0,)
        store.ordered_add("/m", {"d": None})
        assert store.ordered_range("/m") == ["d"]

    def test_delete_tree_and_clear_drop_holes(self, store: gf.SQLiteStore) -> None:
        store.ordered_add("/p/m", {"a": None, "b": None, "c": None})
        store.ordered_add("/q", {"a": None, "b": None, "c": None})
        store.ordered_remove("/p/m", "a")
        store.ordered_remove("/q", "a")
        store.delete_tree("/p")
        store.ordered_clear("/q")
        with raw_connection(store.path) as conn:
            assert conn.execute("SELECT count(*) FROM member_holes").fetchone() == (0,)

    @pytest.mark.parametrize("version", [1, 2])
    def test_an_earlier_layout_is_refused_unchanged(self, path: Path, version: int) -> None:
        """A file of an earlier development layout (schema version 1 or 2, before
        graftflow 0.1.0) is refused with what to do, and left exactly as it was."""
        with raw_connection(path) as conn:
            for statement in V1_SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("UPDATE graftflow_meta SET value = ?", (str(version),))
            conn.execute("INSERT INTO members (key, name, value) VALUES ('/a', 'x', 'null')")
        before = path.read_bytes()
        with pytest.raises(
            gf.StoreError,
            match=exact(
                f"{path} has store schema version {version}, a layout from before graftflow "
                "0.1.0 (this graftflow reads version 3); re-create it with this graftflow"
            ),
        ):
            gf.SQLiteStore(path)
        assert path.read_bytes() == before


class TestOpenErrors:
    def test_missing_directory_names_it(self, tmp_path: Path) -> None:
        """An absolute path in a missing directory names the file and the directory."""
        target = tmp_path / "nowhere" / "x.db"
        with pytest.raises(
            gf.StoreError,
            match=exact(f"cannot create {target}: directory {target.parent} does not exist"),
        ):
            gf.SQLiteStore(target)
        assert not target.parent.exists()

    def test_missing_directory_of_a_relative_path_hints_at_absolute_urls(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A relative path explains it is relative to the cwd and how to write an absolute one."""
        monkeypatch.chdir(tmp_path)
        target = tmp_path / "nowhere" / "x.db"
        with pytest.raises(
            gf.StoreError,
            match=exact(
                f"cannot create {target}: directory {target.parent} does not exist "
                "(sqlite:///PATH is relative to the working directory; "
                "use sqlite:////PATH for an absolute path)"
            ),
        ):
            gf.SQLiteStore("nowhere/x.db")

    def test_create_false_refuses_a_missing_file(self, path: Path) -> None:
        """create=False names the missing file and does not create it."""
        with pytest.raises(
            gf.StoreError,
            match=exact(
                f"no store at {path}: the file does not exist (check the path, or run "
                "'graftflow demo' to create the demo store)"
            ),
        ):
            gf.SQLiteStore(path, create=False)
        assert not path.exists()

    def test_create_false_opens_an_existing_store(self, path: Path) -> None:
        """create=False opens a file that is already a graftflow store."""
        gf.SQLiteStore(path).close()
        store = gf.SQLiteStore(path, create=False)
        try:
            store.set("/k", 1)
            assert store.get("/k") == 1
        finally:
            store.close()

    def test_garbage_file_is_not_a_usable_database(self, path: Path) -> None:
        """A file of random bytes is refused, named, and left unmodified."""
        garbage = b"this is certainly not a database\n" * 200
        path.write_bytes(garbage)
        with pytest.raises(
            gf.StoreError,
            match=(
                "^"
                + re.escape(f"{path} is not a usable SQLite database (")
                + ".+"
                + re.escape("); move it away or choose another store")
                + "$"
            ),
        ):
            gf.SQLiteStore(path)
        assert path.read_bytes() == garbage

    def test_foreign_database_is_not_a_graftflow_store(self, path: Path) -> None:
        """A SQLite database with other tables is refused, listing its tables."""
        with raw_connection(path) as conn:
            conn.execute("CREATE TABLE shots (name TEXT)")
            conn.execute("CREATE TABLE films (name TEXT)")
            conn.execute("INSERT INTO shots VALUES ('sh010')")
        with pytest.raises(
            gf.StoreError,
            match=exact(
                f"{path} is a SQLite database but not a graftflow store (it holds the "
                "tables 'films', 'shots'); choose another file"
            ),
        ):
            gf.SQLiteStore(path)
        with raw_connection(path) as conn:
            assert conn.execute("SELECT name FROM shots").fetchall() == [("sh010",)]
            tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            assert sorted(tables.fetchall()) == [("films",), ("shots",)]
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)

    def test_newer_schema_version_is_refused(self, path: Path) -> None:
        """A graftflow file whose schema version this graftflow does not read is refused."""
        gf.SQLiteStore(path).close()
        with raw_connection(path) as conn:
            conn.execute("UPDATE graftflow_meta SET value = '999' WHERE name = 'schema_version'")
        with pytest.raises(
            gf.StoreError,
            match=exact(
                f"{path} has store schema version 999, this graftflow reads version 3; "
                "upgrade graftflow or use another file"
            ),
        ):
            gf.SQLiteStore(path)

    def test_missing_schema_version_is_refused(self, path: Path) -> None:
        """A graftflow file without a schema version row is refused, saying 'none'."""
        gf.SQLiteStore(path).close()
        with raw_connection(path) as conn:
            conn.execute("DELETE FROM graftflow_meta")
        with pytest.raises(gf.StoreError, match=re.escape("has store schema version none,")):
            gf.SQLiteStore(path)

    @pytest.mark.parametrize("raw", [":memory:", "", "file:x.db?mode=memory"])
    def test_in_memory_names_point_to_memory_store(self, raw: str) -> None:
        """':memory:', '' and file: URIs are refused with a hint to MemoryStore."""
        with pytest.raises(
            gf.StoreError,
            match=exact(
                f"SQLiteStore needs a file path, not {raw!r}; "
                "use MemoryStore() for an in-memory store"
            ),
        ):
            gf.SQLiteStore(raw)

    def test_directory_is_refused(self, tmp_path: Path) -> None:
        """A directory path is refused, naming it."""
        with pytest.raises(
            gf.StoreError, match=exact(f"{tmp_path} is a directory, not a SQLite store file")
        ):
            gf.SQLiteStore(tmp_path)

    def test_relative_path_becomes_absolute(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A relative path is resolved against the cwd once, at open time."""
        monkeypatch.chdir(tmp_path)
        store = gf.SQLiteStore("rel.db")
        try:
            assert store.path == tmp_path / "rel.db"
            assert store.url == f"sqlite:///{tmp_path}/rel.db"
            assert (tmp_path / "rel.db").is_file()
        finally:
            store.close()


class TestCorruptValues:
    def test_invalid_json_in_kv_names_key_and_file(self, store: gf.SQLiteStore, path: Path) -> None:
        """A plain value that is not valid JSON is a StoreError naming the key and the file."""
        with raw_connection(path) as conn:
            conn.execute("INSERT INTO kv (key, value) VALUES ('/bad', '{not json')")
        pattern = "^" + re.escape(f"{path}: the value at '/bad' is not valid JSON (")
        with pytest.raises(gf.StoreError, match=pattern):
            store.get("/bad")
        with pytest.raises(gf.StoreError, match=pattern):
            store.incr("/bad")

    def test_invalid_json_in_a_hash_names_key_and_file(
        self, store: gf.SQLiteStore, path: Path
    ) -> None:
        """A hash field that is not valid JSON is a StoreError naming the hash and the file."""
        with raw_connection(path) as conn:
            conn.execute("INSERT INTO hashes (key, field, value) VALUES ('/h', 'f', '[1,')")
        pattern = "^" + re.escape(f"{path}: the value at '/h' is not valid JSON (")
        with pytest.raises(gf.StoreError, match=pattern):
            store.hash_get("/h", "f")
        with pytest.raises(gf.StoreError, match=pattern):
            store.hash_items("/h")

    def test_invalid_json_in_an_ordered_map_names_member_and_file(
        self, store: gf.SQLiteStore, path: Path
    ) -> None:
        """An ordered-map value that is not valid JSON names the member and the file."""
        store.ordered_add("/m", {"a": 1})
        with raw_connection(path) as conn:
            conn.execute(
                "UPDATE members SET value = 'nope' "
                "WHERE map = (SELECT id FROM maps WHERE key = '/m') AND name = 'a'"
            )
        with pytest.raises(
            gf.StoreError,
            match="^" + re.escape(f"{path}: the value at '/m/a' is not valid JSON ("),
        ):
            store.ordered_get("/m", "a")
        assert store.ordered_range("/m") == ["a"]


class TestProcesses:
    def test_two_processes_share_one_store(self, store: gf.SQLiteStore, run_python: Any) -> None:
        """A child's batch is visible to a parent whose store was open before the child ran."""
        store.set("/from-parent", "hello")
        assert store.get("/from-child", ABSENT) is ABSENT
        proc = run_python(
            f"""
            import json
            import graftflow as gf
            store = gf.SQLiteStore({str(store.path)!r}, create=False)
            print(json.dumps(store.get("/from-parent")))
            with store.batch():
                store.set("/from-child", [1, 2])
                store.hash_set("/h", "who", "child")
                store.ordered_add("/m", {{"a": 1, "b": 2}})
                store.incr("/n", 3)
            store.close()
            """
        )
        assert json.loads(proc.stdout) == "hello"
        assert store.get("/from-child") == [1, 2]
        assert store.hash_items("/h") == {"who": "child"}
        assert store.ordered_range("/m") == ["a", "b"]
        assert store.ordered_len("/m") == 2
        assert store.incr("/n") == 4


class TestLocking:
    @pytest.mark.parametrize(
        "write",
        [
            pytest.param(lambda s: s.set("/k", 1), id="set"),
            pytest.param(lambda s: s.incr("/n"), id="incr"),
            pytest.param(lambda s: s.ordered_add("/m", {"x": 1}), id="ordered_add"),
            pytest.param(lambda s: s.delete_tree("/k"), id="delete_tree"),
            pytest.param(lambda s: s.hash_set("/h", "f", 1), id="hash_set"),
            pytest.param(lambda s: s.batch().__enter__(), id="batch"),
        ],
    )
    def test_write_waits_then_says_locked(self, path: Path, write: Any) -> None:
        """A write blocked by another connection's transaction is a StoreError naming the
        file once the timeout passes, and succeeds once the lock is released."""
        store = gf.SQLiteStore(path, timeout=0.2)
        try:
            with raw_connection(path) as other:
                other.execute("BEGIN IMMEDIATE")
                with pytest.raises(
                    gf.StoreError,
                    match=exact(f"{path} stayed locked by another process for 0.2 s; try again"),
                ):
                    write(store)
                other.execute("ROLLBACK")
            store.set("/k", 2)
            assert store.get("/k") == 2
            assert store.ordered_len("/m") == 0
        finally:
            store.close()

    def test_opening_does_not_wait_for_a_writer(self, path: Path) -> None:
        """Opening an existing store only reads, so another process's write lock is no obstacle."""
        gf.SQLiteStore(path).close()
        with raw_connection(path) as other:
            other.execute("BEGIN IMMEDIATE")
            store = gf.SQLiteStore(path, timeout=0.2)
            try:
                assert store.get("/k", "none") == "none"
            finally:
                store.close()
            other.execute("ROLLBACK")

    def test_reads_do_not_wait_for_a_writer(self, path: Path) -> None:
        """With WAL, reads see the last commit while another connection holds the write lock."""
        store = gf.SQLiteStore(path, timeout=0.2)
        try:
            store.set("/k", "committed")
            with raw_connection(path) as other:
                other.execute("BEGIN IMMEDIATE")
                other.execute("UPDATE kv SET value = '\"uncommitted\"' WHERE key = '/k'")
                assert store.get("/k") == "committed"
                assert store.ordered_range("/m") == []
                other.execute("COMMIT")
            assert store.get("/k") == "uncommitted"
        finally:
            store.close()


class TestDataVersion:
    def test_moves_when_another_connection_commits_and_only_then(
        self, store: gf.SQLiteStore, path: Path
    ) -> None:
        """What a viewer polls (SQLite has no notifications): a commit through another
        connection (another store object, as another process has) moves it; this
        store's own writes and its reads do not."""
        first = store.data_version()
        store.set("/k", 1)
        assert store.get("/k") == 1
        assert store.data_version() == first
        other = gf.SQLiteStore(path)
        try:
            other.set("/k", 2)
        finally:
            other.close()
        moved = store.data_version()
        assert moved != first
        assert store.data_version() == moved
        assert store.get("/k") == 2


class TestThreads:
    def test_each_thread_has_its_own_connection(self, store: gf.SQLiteStore) -> None:
        """Another thread does not see a batch in progress, then both threads' writes land."""
        written, read = threading.Event(), threading.Event()
        seen: dict[str, Any] = {}
        errors: list[BaseException] = []

        def batch_writer() -> None:
            try:
                with store.batch():
                    store.set("/a", "from a")
                    written.set()
                    assert read.wait(10)
            except BaseException as exc:
                errors.append(exc)

        def other() -> None:
            try:
                assert written.wait(10)
                seen["a"] = store.get("/a", ABSENT)
                read.set()
                store.set("/b", "from b")  # waits for the batch to commit
            except BaseException as exc:
                read.set()
                errors.append(exc)

        threads = [threading.Thread(target=batch_writer), threading.Thread(target=other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert errors == []
        assert seen == {"a": ABSENT}
        assert store.get("/a") == "from a"
        assert store.get("/b") == "from b"

    def test_close_closes_every_thread_connection(self, store: gf.SQLiteStore) -> None:
        """close() from one thread makes the store unusable from every thread."""
        store.set("/k", 1)
        results: list[object] = []

        def use() -> None:
            try:
                results.append(store.get("/k"))
            except gf.StoreError as exc:
                results.append(exc)

        first = threading.Thread(target=use)
        first.start()
        first.join(10)
        store.close()
        second = threading.Thread(target=use)
        second.start()
        second.join(10)
        assert results[0] == 1
        assert isinstance(results[1], gf.StoreError)
        assert str(results[1]) == f"store {store.url} is closed"


needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")


@needs_fork
class TestFork:
    def test_child_does_not_share_the_parents_transaction(self, store: gf.SQLiteStore) -> None:
        """A child forked inside a batch has its own connection: it does not see the parent's
        uncommitted writes, and the parent's batch still commits after the child exits."""
        store.set("/k", "committed")
        with store.batch():
            store.set("/k", "in parent batch")

            def child() -> bool:
                return store.get("/k") == "committed"

            assert in_child(child) == 0
            assert store.get("/k") == "in parent batch"
        assert store.get("/k") == "in parent batch"
        store.set("/after", 1)
        assert store.get("/after") == 1


# -- read-only files ---------------------------------------------------------------------------

#: What a refused write says, after the path and the reason.
REFUSED = "it was opened for reading, nothing was written; copy it somewhere writable to change it"


@pytest.fixture
def as_reader() -> Iterator[tuple[Path, Callable[..., subprocess.CompletedProcess[str]]]]:
    """A directory and a way to run a program in it as a user that file modes bind.

    root ignores file modes only through its capabilities, so when the suite runs as
    root the program runs without them (``setpriv`` drops ``CAP_DAC_OVERRIDE`` and
    ``CAP_DAC_READ_SEARCH`` from its bounding set): still root, so it reads the test
    environment wherever tox put it (tox makes ``.tox`` private to its owner), but
    bound by file modes as any user is. Either way the read-only-ness is real: the
    kernel refuses the writes, not a flag of the test.
    """
    directory = Path(tempfile.mkdtemp(prefix="graftflow-ro-"))
    directory.chmod(0o755)
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            message = "running as root without setpriv: a read-only file cannot be tested"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HOME": str(directory), "XDG_CONFIG_HOME": str(directory)}
        return subprocess.run(
            [*prefix, *argv], capture_output=True, text=True, timeout=120, env=env, check=False
        )

    try:
        yield directory, run
    finally:
        for path in [directory, *directory.rglob("*")]:
            with contextlib.suppress(OSError):
                path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(directory, ignore_errors=True)


READ_ONLY_CHECK = """
import json, sys
import graftflow as gf
store = gf.SQLiteStore(sys.argv[1], create=False)
report = {
    "read_only": store.read_only,
    "get": store.get("/v"),
    "range": store.ordered_range("/m"),
    "len": store.ordered_len("/m"),
    "member": store.ordered_get("/m", "a"),
    "hash": store.hash_items("/h"),
}
with store.batch():
    report["in_batch"] = store.get("/v")
refused = {}
for name, write in [
    ("set", lambda: store.set("/v", 2)),
    ("delete", lambda: store.delete("/v")),
    ("incr", lambda: store.incr("/n")),
    ("delete_tree", lambda: store.delete_tree("/v")),
    ("hash_set", lambda: store.hash_set("/h", "f", 2)),
    ("hash_delete", lambda: store.hash_delete("/h", "f")),
    ("ordered_add", lambda: store.ordered_add("/m", {"z": 1})),
    ("ordered_remove", lambda: store.ordered_remove("/m", "a")),
    ("ordered_clear", lambda: store.ordered_clear("/m")),
    ("transaction", lambda: store.transaction(lambda: store.set("/v", 3))),
]:
    try:
        write()
    except gf.StoreError as exc:
        refused[name] = str(exc)
report["refused"] = refused
report["after"] = store.get("/v")
store.close()
print(json.dumps(report))
"""


class TestReadOnly:
    @pytest.mark.parametrize(
        ("how", "reason"),
        [
            pytest.param("file", "the file's mode is 444", id="file-mode-444"),
            pytest.param("directory", "its directory {dir} cannot be written", id="read-only-dir"),
        ],
    )
    def test_opens_for_reading_and_refuses_every_write_in_one_line(
        self,
        as_reader: tuple[Path, Callable[..., subprocess.CompletedProcess[str]]],
        how: str,
        reason: str,
    ) -> None:
        """A file that cannot be written (mode 444, or in a directory that cannot be
        written, as an archived show on a read-only share) opens; every read works;
        every write is refused with one clear line, and the file is left unchanged."""
        directory, run = as_reader
        show = directory / "show"
        show.mkdir()
        path = show / "archive.db"
        store = gf.SQLiteStore(path)
        store.set("/v", 1)
        store.ordered_add("/m", {"a": "A", "b": None})
        store.hash_set("/h", "f", 1)
        store.close()
        if how == "file":
            path.chmod(0o444)
        else:
            show.chmod(0o555)
        before = path.read_bytes()
        proc = run(sys.executable, "-c", READ_ONLY_CHECK, str(path))
        assert proc.returncode == 0, proc.stderr
        report = json.loads(proc.stdout)
        refused = report.pop("refused")
        assert report == {
            "read_only": True,
            "get": 1,
            "range": ["a", "b"],
            "len": 2,
            "member": "A",
            "hash": {"f": 1},
            "in_batch": 1,
            "after": 1,
        }
        line = f"{path} is read-only ({reason.format(dir=show)}): {REFUSED}"
        assert refused == dict.fromkeys(refused, line)
        assert len(refused) == 10
        assert path.read_bytes() == before

    def test_the_cli_reads_and_refuses_writes_in_one_line(
        self, as_reader: tuple[Path, Callable[..., subprocess.CompletedProcess[str]]]
    ) -> None:
        """``ls`` and ``get`` work on an archived demo; ``set`` and ``run`` print one
        error line (no traceback) and exit 1."""
        directory, run = as_reader
        show = directory / "show"
        show.mkdir()
        path = show / "demo.db"
        url = f"sqlite:///{path}"
        make_demo(url)
        show.chmod(0o555)
        shot = "/demo/films/f01/sequences/sq010/shots/sh0010"
        listed = run(graftflow_command(), "--store", url, "ls", shot)
        assert listed.returncode == 0, listed.stderr
        assert "frame_out" in listed.stdout
        got = run(graftflow_command(), "--store", url, "get", f"{shot}/handles")
        assert (got.returncode, got.stdout, got.stderr) == (0, "8\n", "")
        line = (
            f"graftflow: error: {path} is read-only (its directory {show} cannot be written): "
            f"{REFUSED}\n"
        )
        for argv in (["set", f"{shot}/handles", "12"], ["run", f"{shot}/bump_version"]):
            refused = run(graftflow_command(), "--store", url, *argv)
            assert (refused.returncode, refused.stdout, refused.stderr) == (1, "", line)

    def test_a_missing_file_in_a_read_only_directory_cannot_be_created(
        self, as_reader: tuple[Path, Callable[..., subprocess.CompletedProcess[str]]]
    ) -> None:
        directory, run = as_reader
        show = directory / "show"
        show.mkdir()
        show.chmod(0o555)
        code = (
            "import sys, graftflow as gf\n"
            "try:\n    gf.SQLiteStore(sys.argv[1])\n"
            "except gf.StoreError as exc:\n    print(exc)\n"
        )
        proc = run(sys.executable, "-c", code, str(show / "new.db"))
        assert proc.returncode == 0, proc.stderr
        assert (
            proc.stdout == f"cannot create {show / 'new.db'}: directory {show} cannot be written\n"
        )
        assert not (show / "new.db").exists()
