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
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from workers import run_together

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
    def test_everything_survives_close_and_reopen(self, path: Path) -> None:
        """Values, hashes and ordered maps (order and length) are in the file after close()."""
        store = gf.SQLiteStore(path)
        store.set("/v", {"a": [1, 2.5, None, "\u00e9"]})
        store.incr("/n", 41)
        store.hash_set("/h", "f", True)
        store.ordered_add("/m", {"b": 1, "a": 2, "c": 3})
        store.ordered_remove("/m", "b")
        store.ordered_add("/m", {"b": 4})
        store.close()
        again = gf.SQLiteStore(path, create=False)
        try:
            assert again.get("/v") == {"a": [1, 2.5, None, "\u00e9"]}
            assert again.incr("/n") == 42
            assert again.hash_items("/h") == {"f": True}
            assert again.ordered_range("/m") == ["a", "c", "b"]
            assert again.ordered_len("/m") == 3
            assert again.ordered_get("/m", "b") == 4
        finally:
            again.close()

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

    def test_a_batch_is_lost_if_its_process_dies(
        self, store: gf.SQLiteStore, run_python: Any
    ) -> None:
        """A process killed inside a batch commits nothing and leaves no lock behind."""
        store.set("/before", 1)
        proc = run_python(
            f"""
            import os
            import graftflow as gf
            store = gf.SQLiteStore({str(store.path)!r})
            with store.batch():
                store.set("/before", 2)
                store.set("/a", 1)
                store.ordered_add("/m", {{"x": 1}})
                os._exit(7)
            """,
            check=False,
        )
        assert proc.returncode == 7, proc.stderr
        assert store.get("/before") == 1
        assert store.get("/a", ABSENT) is ABSENT
        assert store.ordered_len("/m") == 0
        quick = gf.SQLiteStore(store.path, timeout=0.5)
        try:
            quick.set("/after", 1)
        finally:
            quick.close()
        assert store.get("/after") == 1


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
        import graftflow._sqlite_store as module

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
            conn.execute("INSERT INTO members (key, name, value) VALUES ('/a', 'x', '1')")
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
    def test_concurrent_incr_loses_no_update(self, store: gf.SQLiteStore, tmp_path: Path) -> None:
        """4 processes doing 250 incr() each on one key end at exactly 1000."""
        code = """
            import sys
            import graftflow as gf
            store = gf.SQLiteStore(sys.argv[1])
            print("ready", flush=True)
            sys.stdin.readline()
            last = [store.incr("/counter") for _ in range(250)]
            print(max(last))
            store.close()
        """
        outputs = run_together(code, [[str(store.path)]] * 4, tmp_path)
        assert store.get("/counter") == 1000
        assert max(int(out) for out in outputs) == 1000

    def test_concurrent_ordered_add_keeps_every_name(
        self, store: gf.SQLiteStore, tmp_path: Path
    ) -> None:
        """4 processes adding 250 distinct names each to one map leave 1000 members."""
        code = """
            import sys
            import graftflow as gf
            store = gf.SQLiteStore(sys.argv[1])
            worker = sys.argv[2]
            print("ready", flush=True)
            sys.stdin.readline()
            for i in range(250):
                store.ordered_add("/m", {f"w{worker}-{i:03d}": i})
            store.close()
        """
        run_together(code, [[str(store.path), str(w)] for w in range(4)], tmp_path)
        names = store.ordered_range("/m")
        assert store.ordered_len("/m") == 1000
        assert sorted(names) == sorted(f"w{w}-{i:03d}" for w in range(4) for i in range(250))
        for w in range(4):
            mine = [n for n in names if n.startswith(f"w{w}-")]
            assert mine == sorted(mine), "each worker's names keep that worker's order"
        assert store.ordered_get("/m", "w3-249") == 249

    def test_concurrent_ordered_add_of_one_name_has_one_winner(
        self, store: gf.SQLiteStore, tmp_path: Path
    ) -> None:
        """4 processes racing to add the same 50 names: each name is added exactly once."""
        code = """
            import sys
            import graftflow as gf
            store = gf.SQLiteStore(sys.argv[1])
            print("ready", flush=True)
            sys.stdin.readline()
            won = 0
            for i in range(50):
                try:
                    store.ordered_add("/m", {f"n{i:02d}": sys.argv[2]})
                    won += 1
                except gf.ExistsError:
                    pass
            print(won)
            store.close()
        """
        outputs = run_together(code, [[str(store.path), str(w)] for w in range(4)], tmp_path)
        assert sum(int(out) for out in outputs) == 50
        assert store.ordered_range("/m") == [f"n{i:02d}" for i in range(50)]

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

    def test_concurrent_incr_from_threads(self, store: gf.SQLiteStore) -> None:
        """8 threads doing 50 incr() each on one store end at exactly 400."""
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(50):
                    store.incr("/n")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert errors == []
        assert store.get("/n") == 400

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


def in_child(body: Any) -> int:
    """Fork, run ``body()`` in the child and return its exit code (0: body returned True)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 3
        try:
            code = 0 if body() else 2
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@needs_fork
class TestFork:
    def test_child_reads_and_writes_through_the_inherited_store(
        self, store: gf.SQLiteStore
    ) -> None:
        """A forked child uses the store it inherited; the parent's store keeps working."""
        store.set("/parent", "before fork")
        assert store.get("/parent") == "before fork"  # the parent has a live connection

        def child() -> bool:
            ok = store.get("/parent") == "before fork"
            with store.batch():
                store.set("/child", "written")
                store.ordered_add("/m", {"c": 1})
            return ok and store.get("/child") == "written"

        assert in_child(child) == 0
        assert store.get("/child") == "written"
        assert store.ordered_range("/m") == ["c"]
        with store.batch():
            store.set("/parent", "after fork")
            store.ordered_add("/m", {"p": 2})
        assert store.get("/parent") == "after fork"
        assert store.ordered_range("/m") == ["c", "p"]

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
