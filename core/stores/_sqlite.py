"""SQLiteStore: the embedded persistent store, one file, safe across processes.

WAL journaling lets readers run while a writer commits; a busy timeout makes concurrent
writers wait for each other instead of failing; every multi-statement operation and
every :meth:`batch` is one ``BEGIN IMMEDIATE`` transaction (savepoints when nested), so
a batch is all or nothing even if the process dies half way. Each thread gets its own
connection (sqlite3 connections must not be shared across threads), and a forked child
opens fresh ones instead of reusing its parent's, which SQLite forbids.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Final

from graftflow._errors import ExistsError, InvalidValueError, StoreError
from graftflow._json import JSONValue, dumps_checked
from graftflow._json import loads as _loads

from ._commit import CommitCallbacks, run
from ._store import Transactional, check_range, quote_names

__all__ = ["SQLiteStore", "open_url"]

#: Bumped when the layout changes; a file of another version is refused, never guessed at
#: (graftflow is unreleased: files from earlier development layouts are not upgraded).
SCHEMA_VERSION: Final = 3

# Each ordered map is a row of `maps` (its key once, its count and next position); its
# members name it by that row's integer id, so a million-item map repeats no key text
# (issue 18: compact map keys). A member carries its position: 0, 1, 2... in insertion
# order, so a page is an index range scan from a position (no OFFSET: page 10,000 of a
# million-item map costs what page 0 costs). A removal leaves a hole (member_holes)
# instead of renumbering everything after it; a range read steps over the holes before
# the page, and the positions are closed up again once a map has _COMPACT_AT holes.
_SCHEMA: Final = """
CREATE TABLE graftflow_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE hashes (
    key TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, field)
) WITHOUT ROWID;
CREATE TABLE maps (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, n INTEGER NOT NULL, next INTEGER NOT NULL
);
CREATE TABLE members (
    map INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, pos INTEGER NOT NULL,
    PRIMARY KEY (map, name)
) WITHOUT ROWID;
CREATE INDEX members_in_order ON members (map, pos);
CREATE TABLE member_holes (
    map INTEGER NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY (map, pos)
) WITHOUT ROWID;
"""

#: Holes a map may have before its positions are renumbered (in the removal's batch).
_COMPACT_AT: Final = 1024

# Children of a fork keep their parent's connections referenced here, never closed:
# closing them in the child could disturb the parent's locks and WAL.
_FORK_ORPHANS: list[sqlite3.Connection] = []
_LIVE_STORES: weakref.WeakSet[SQLiteStore] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for store in list(_LIVE_STORES):
        with store._conns_lock:
            _FORK_ORPHANS.extend(store._conns)
            store._conns = []
        store._local = _Local()
        store._commit_callbacks = CommitCallbacks()  # the parent's open batches are not ours


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@contextmanager
def _write_locked(conn: sqlite3.Connection) -> Iterator[None]:
    """One ``BEGIN IMMEDIATE`` transaction for the schema: committed if the block ends,
    rolled back (if SQLite has not already) if it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class _Local(threading.local):
    """Per thread: its connection, how deep its batches are, and (in a transaction) the
    maps it wrote as ``key -> (id, next position)`` (see ``SQLiteStore._add``)."""

    conn: sqlite3.Connection | None = None
    depth: int = 0
    maps: dict[str, tuple[int, int]] | None = None


class SQLiteStore(Transactional):
    """A :class:`~graftflow.Store` in one SQLite file.

    :param path: the database file. Its directory must exist.
    :param create: create the file if it is missing; with ``False`` a missing file is a
        :class:`StoreError` (the CLI uses this so a typo never creates an empty flow).
    :param timeout: seconds a writer waits for another process's transaction.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, create: bool = True, timeout: float = 30.0
    ) -> None:
        raw = os.fspath(path)
        if raw in ("", ":memory:") or raw.startswith("file:"):
            raise StoreError(
                f"SQLiteStore needs a file path, not {raw!r}; "
                "use MemoryStore() for an in-memory store"
            )
        self.path = Path(raw).expanduser().absolute()
        self.url = f"sqlite:///{self.path}"
        self.timeout = timeout
        self._local = _Local()
        self._commit_callbacks = CommitCallbacks()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._closed = False
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a directory, not a SQLite store file")
        if not self.path.parent.is_dir():
            hint = ""
            if not raw.startswith(("/", "~")):
                hint = (
                    " (sqlite:///PATH is relative to the working directory; "
                    "use sqlite:////PATH for an absolute path)"
                )
            raise StoreError(
                f"cannot create {self.path}: directory {self.path.parent} does not exist{hint}"
            )
        if not create and not self.path.exists():
            raise StoreError(
                f"no store at {self.path}: the file does not exist (check the path, or run "
                "'graftflow demo' to create the demo store)"
            )
        if not self.path.exists() and not os.access(self.path.parent, os.W_OK):
            raise StoreError(
                f"cannot create {self.path}: directory {self.path.parent} cannot be written"
            )
        self._why_read_only = _read_only(self.path)
        #: Opened for reading only: the file, or its directory, cannot be written (an
        #: archived show on a read-only share). Every write raises StoreError.
        self.read_only = self._why_read_only is not None
        self._open_first()
        _LIVE_STORES.add(self)

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # -- connections ------------------------------------------------------------------

    def _raw_connect(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"store {self.url} is closed")
        target: str | Path = self.path
        if self.read_only:
            # mode=ro: SQLite never tries to write. In a directory nobody may write,
            # SQLite cannot make the shared-memory file WAL readers need: the file is
            # opened as immutable, an archive nobody changes (which is what such a
            # directory says), unless it has a write-ahead log not merged yet.
            target = self.path.as_uri() + "?mode=ro"
            if not os.access(self.path.parent, os.W_OK) and not _has_log(self.path):
                target += "&immutable=1"
        try:
            return sqlite3.connect(
                target,
                timeout=self.timeout,
                isolation_level=None,
                check_same_thread=False,
                uri=self.read_only,
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {self.path}: {exc}") from exc

    def _register(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        try:
            # NORMAL is durable with WAL except for the last commits before a power cut.
            conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            conn.close()
            raise self._error(exc) from exc
        with self._conns_lock:
            self._conns.append(conn)
        self._local.conn = conn
        return conn

    def _connect(self) -> sqlite3.Connection:
        return self._register(self._raw_connect())

    def _open_first(self) -> None:
        """Check (or create) the file before anything else may write to it.

        A file that turns out not to be ours is left exactly as it was: no journal mode
        switched, no table created, and the connection closed.
        """
        conn = self._raw_connect()
        try:
            tables = self._tables(conn)
            if not tables:
                if self.read_only:
                    raise StoreError(
                        f"{self.path} is empty and read-only ({self._why_read_only}): it "
                        "cannot become a store; choose a writable place"
                    )
                tables = self._create_schema(conn)
            self._check_schema(conn, tables)
        except BaseException:
            conn.close()
            raise
        self._register(conn)

    def _tables(self, conn: sqlite3.Connection) -> set[str]:
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return {row[0] for row in rows}
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise self._error(exc) from exc
            raise StoreError(
                f"{self.path} is not a usable SQLite database ({exc}); move it away or "
                "choose another store"
            ) from exc

    def _conn(self) -> sqlite3.Connection:
        conn = self._local.conn
        return self._connect() if conn is None else conn

    def _create_schema(self, conn: sqlite3.Connection) -> set[str]:
        """Make an empty file a graftflow store: WAL (a lasting property of the file),
        then the tables, under the write lock so two processes cannot both create them."""
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            with _write_locked(conn):
                if not self._tables(conn):  # another process may have won the race
                    # One statement at a time: executescript() would COMMIT early.
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(
                        "INSERT INTO graftflow_meta (name, value) VALUES ('schema_version', ?)",
                        (str(SCHEMA_VERSION),),
                    )
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        return self._tables(conn)

    def _check_schema(self, conn: sqlite3.Connection, tables: set[str]) -> None:
        if "graftflow_meta" not in tables:
            raise StoreError(
                f"{self.path} is a SQLite database but not a graftflow store (it holds the "
                f"tables {quote_names(sorted(tables))}); choose another file"
            )
        row = conn.execute(
            "SELECT value FROM graftflow_meta WHERE name = 'schema_version'"
        ).fetchone()
        version = int(row[0]) if row and row[0].isdigit() else None
        if version is not None and version < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has store schema version {version}, a layout from before "
                f"graftflow 0.1.0 (this graftflow reads version {SCHEMA_VERSION}); "
                "re-create it with this graftflow"
            )
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has store schema version {row[0] if row else 'none'!s}, this "
                f"graftflow reads version {SCHEMA_VERSION}; "
                "upgrade graftflow or use another file"
            )

    def _refused(self, why: str) -> StoreError:
        return StoreError(
            f"{self.path} is read-only ({why}): it was opened for reading, nothing was "
            "written; copy it somewhere writable to change it"
        )

    def _writing(self) -> None:
        """Refuse a write, in one clear line, if the file was opened for reading."""
        if self._why_read_only is not None:
            raise self._refused(self._why_read_only)

    def _error(self, exc: sqlite3.Error) -> StoreError:
        message = str(exc)
        if "readonly" in message:  # made read-only since it was opened
            return self._refused(f"SQLite: {message}")
        if "locked" in message or "busy" in message:
            return StoreError(
                f"{self.path} stayed locked by another process for {self.timeout:g} s; try again"
            )
        return StoreError(f"{self.path}: {message}")

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._conn().execute(sql, params)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        except UnicodeEncodeError as exc:
            raise _unstorable_text(params, exc) from None

    def data_version(self) -> int:
        """A number that changes each time *another* connection commits to the file.

        Another process, or another thread of this one (each thread has its own
        connection). SQLite has no change notifications: a tool that shows values polls
        this (a cheap read of the file header) and re-reads when it moved. (A file in a
        read-only directory is opened immutable: nobody can change it, nor this number.)
        """
        row = self._execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def _decode(self, key: str, text: str) -> Any:
        try:
            return _loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep JSON
            raise StoreError(
                f"{self.path}: the value at {key!r} is not valid JSON ({exc})"
            ) from exc

    @contextmanager
    def batch(self) -> Iterator[None]:
        conn = self._conn()
        local = self._local
        depth = local.depth
        try:
            conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT gf{depth}")
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        local.depth = depth + 1
        if depth == 0:
            local.maps = {}
        callbacks = self._commit_callbacks
        callbacks.enter()
        try:
            yield
        except BaseException:
            local.depth = depth
            local.maps = {} if depth else None  # what was rolled back is not known
            callbacks.leave(committed=False)
            try:
                if depth == 0:
                    conn.execute("ROLLBACK")
                else:
                    conn.execute(f"ROLLBACK TO gf{depth}")
                    conn.execute(f"RELEASE gf{depth}")
            except sqlite3.Error:
                pass  # the original error matters more; SQLite already rolled back
            raise
        local.depth = depth
        if depth == 0:
            local.maps = None
        try:
            conn.execute("COMMIT" if depth == 0 else f"RELEASE gf{depth}")
        except sqlite3.Error as exc:
            local.maps = {} if depth else None
            callbacks.leave(committed=False)
            if depth == 0 and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise self._error(exc) from exc
        run(callbacks.leave(committed=True))

    def _attempt(self) -> AbstractContextManager[None]:
        """A transaction attempt is a batch: ``BEGIN IMMEDIATE`` takes the file's write
        lock before the first read, so other writers wait and nothing can conflict."""
        return self.batch()

    def on_commit(self, callback: Callable[[], object]) -> None:
        self._commit_callbacks.add(callback)

    def close(self) -> None:
        """Close every connection this store opened (in every thread)."""
        with self._conns_lock:
            self._closed = True
            conns, self._conns = self._conns, []
        self._local = _Local()
        for conn in conns:
            conn.close()
        _LIVE_STORES.discard(self)

    # -- plain values -----------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        # _execute() inlined: this is the hot path of every param read.
        try:
            row = self._conn().execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        except UnicodeEncodeError as exc:
            raise _unstorable_text((key,), exc) from None
        return default if row is None else self._decode(key, row[0])

    def set(self, key: str, value: JSONValue) -> None:
        self._writing()
        self._execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, dumps_checked(key, value)),
        )

    def delete(self, key: str) -> bool:
        self._writing()
        return self._execute("DELETE FROM kv WHERE key = ?", (key,)).rowcount > 0

    def incr(self, key: str, amount: int = 1) -> int:
        if type(amount) is not int:
            raise InvalidValueError(key, f"{key}: incr amount must be an int, not {amount!r}")
        self._writing()
        with self.batch():
            row = self._execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
            current = 0 if row is None else self._decode(key, row[0])
            if type(current) is not int:
                raise InvalidValueError(
                    key, f"{key}: cannot increment {current!r}, it is not an int"
                )
            new: int = current + amount
            self._execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, str(new)),
            )
        return new

    def delete_tree(self, key: str) -> None:
        self._writing()
        # Keys under `key` are exactly those in [key + "/", key + "0"): "0" follows "/".
        low, high = key + "/", key + "0"
        below = "(SELECT id FROM maps WHERE key = ? OR (key >= ? AND key < ?))"
        with self.batch():
            self._local.maps = {}  # maps below go
            for table in ("kv", "hashes"):
                self._execute(f"DELETE FROM {table} WHERE key = ?", (key,))
                self._execute(f"DELETE FROM {table} WHERE key >= ? AND key < ?", (low, high))
            for table in ("members", "member_holes"):
                self._execute(f"DELETE FROM {table} WHERE map IN {below}", (key, low, high))
            self._execute(
                "DELETE FROM maps WHERE key = ? OR (key >= ? AND key < ?)", (key, low, high)
            )

    # -- hashes -----------------------------------------------------------------------

    def hash_get(self, key: str, field: str, default: Any = None) -> Any:
        row = self._execute(
            "SELECT value FROM hashes WHERE key = ? AND field = ?", (key, field)
        ).fetchone()
        return default if row is None else self._decode(key, row[0])

    def hash_set(self, key: str, field: str, value: JSONValue) -> None:
        self._writing()
        self._execute(
            "INSERT INTO hashes (key, field, value) VALUES (?, ?, ?) "
            "ON CONFLICT (key, field) DO UPDATE SET value = excluded.value",
            (key, field, dumps_checked(f"{key}[{field!r}]", value)),
        )

    def hash_delete(self, key: str, field: str) -> bool:
        self._writing()
        cursor = self._execute("DELETE FROM hashes WHERE key = ? AND field = ?", (key, field))
        return cursor.rowcount > 0

    def hash_items(self, key: str) -> dict[str, Any]:
        rows = self._execute("SELECT field, value FROM hashes WHERE key = ? ORDER BY field", (key,))
        return {field: self._decode(key, text) for field, text in rows}

    # -- ordered maps -----------------------------------------------------------------

    def ordered_add(self, key: str, items: Mapping[str, JSONValue]) -> None:
        self._writing()
        conn = self._conn()  # a closed store says so, even for nothing to add
        if not items:
            return
        # A generator, not a list: a batch of ten million names is never all in memory.
        # A map's entries are nearly all None: its JSON needs no encoder call.
        rows = (
            (name, "null" if value is None else dumps_checked(f"{key}/{name}", value))
            for name, value in items.items()
        )
        try:
            if len(items) == 1 and self._local.depth:
                # One name inside a batch (issue 18's W7: a million add() calls in one
                # batch): checked first, then a single-row insert writes all or nothing
                # by itself, so no savepoint is needed around it.
                self._add(conn, key, list(rows), 1)
            else:
                with self.batch():
                    self._add(conn, key, rows, len(items))
        except sqlite3.IntegrityError:
            pass  # some names exist: nothing was written; say which below
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        except UnicodeEncodeError as exc:
            raise _unstorable_text((key,), exc) from None
        else:
            return
        existing = tuple(name for name in items if self._has(key, name))
        raise ExistsError(key, f"{key} already has {quote_names(existing)}", existing)

    def _add(
        self, conn: sqlite3.Connection, key: str, rows: Iterable[tuple[str, str]], count: int
    ) -> None:
        """Append ``count`` members, ``(name, JSON text)``, to the map at ``key``.

        Inside a transaction this thread's connection holds the write lock: no other
        writer can move a map's next position, so the ones this transaction wrote are
        kept (``_local.maps``) and one statement per add is saved (issue 18's W7: a
        million add() calls in one batch). Any rollback or other change of a map drops
        them.
        """
        maps = self._local.maps
        known = None if maps is None else maps.get(key)
        if known is not None:
            map_id, first = known
        else:
            row = conn.execute("SELECT id, next FROM maps WHERE key = ?", (key,)).fetchone()
            if row is None:
                cursor = conn.execute("INSERT INTO maps (key, n, next) VALUES (?, 0, 0)", (key,))
                map_id, first = cursor.lastrowid or 0, 0  # an INSERT always sets it
            else:
                map_id, first = row
        if count == 1:
            ((name, text),) = rows
            conn.execute(
                "INSERT INTO members (map, name, value, pos) VALUES (?, ?, ?, ?)",
                (map_id, name, text, first),
            )
        else:
            conn.executemany(
                "INSERT INTO members (map, name, value, pos) VALUES (?, ?, ?, ?)",
                (
                    (map_id, name, text, position)
                    for position, (name, text) in enumerate(rows, first)
                ),
            )
        conn.execute(
            "UPDATE maps SET n = n + ?, next = ? WHERE id = ?", (count, first + count, map_id)
        )
        if maps is not None:
            maps[key] = (map_id, first + count)

    def _has(self, key: str, name: str) -> bool:
        row = self._execute(f"SELECT 1 FROM members WHERE map = {_MAP} AND name = ?", (key, name))
        return row.fetchone() is not None

    def ordered_get(self, key: str, name: str, default: Any = None) -> Any:
        row = self._execute(
            f"SELECT value FROM members WHERE map = {_MAP} AND name = ?", (key, name)
        ).fetchone()
        return default if row is None else self._decode(f"{key}/{name}", row[0])

    def ordered_remove(self, key: str, name: str) -> bool:
        self._writing()
        with self.batch():
            self._local.maps = {}  # positions and counts change
            found = self._execute(
                "SELECT maps.id, maps.n, maps.next, members.pos FROM maps JOIN members "
                "ON members.map = maps.id WHERE maps.key = ? AND members.name = ?",
                (key, name),
            ).fetchone()
            if found is None:
                return False
            map_id, n, end, pos = found
            self._execute("DELETE FROM members WHERE map = ? AND name = ?", (map_id, name))
            n -= 1
            if n <= 0:
                self._execute("DELETE FROM maps WHERE id = ?", (map_id,))
                self._execute("DELETE FROM member_holes WHERE map = ?", (map_id,))
            elif pos == end - 1:  # the last one: the next add reuses its position
                self._execute("UPDATE maps SET n = ?, next = ? WHERE id = ?", (n, pos, map_id))
            else:
                self._execute("UPDATE maps SET n = ? WHERE id = ?", (n, map_id))
                self._execute("INSERT INTO member_holes (map, pos) VALUES (?, ?)", (map_id, pos))
                if end - n >= _COMPACT_AT:
                    self._compact(map_id)
        return True

    def _compact(self, map_id: int) -> None:
        """Renumber a map's positions from its first hole on (inside a batch)."""
        conn = self._conn()
        first = conn.execute(
            "SELECT min(pos) FROM member_holes WHERE map = ?", (map_id,)
        ).fetchone()[0]
        if first is None:
            return
        names = conn.execute(
            "SELECT name FROM members WHERE map = ? AND pos > ? ORDER BY pos", (map_id, first)
        ).fetchall()
        conn.executemany(
            "UPDATE members SET pos = ? WHERE map = ? AND name = ?",
            [(first + i, map_id, name) for i, (name,) in enumerate(names)],
        )
        conn.execute("DELETE FROM member_holes WHERE map = ?", (map_id,))
        conn.execute("UPDATE maps SET next = n WHERE id = ?", (map_id,))

    def ordered_len(self, key: str) -> int:
        row = self._execute("SELECT n FROM maps WHERE key = ?", (key,)).fetchone()
        return 0 if row is None else int(row[0])

    def ordered_range(self, key: str, start: int = 0, stop: int | None = None) -> list[str]:
        check_range(key, start, stop)
        if stop is not None and stop <= start:
            return []
        conn = self._conn()
        # The counts, the holes and the page must come from one snapshot of the file.
        own = not conn.in_transaction
        try:
            if own:
                conn.execute("BEGIN")
            try:
                return self._range(conn, key, start, stop)
            finally:
                if own and conn.in_transaction:
                    conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        except UnicodeEncodeError as exc:
            raise _unstorable_text((key,), exc) from None

    def _range(self, conn: sqlite3.Connection, key: str, start: int, stop: int | None) -> list[str]:
        row = conn.execute("SELECT id, n, next FROM maps WHERE key = ?", (key,)).fetchone()
        if row is None or start >= row[1]:
            return []
        map_id, n, end = row
        pos = start  # the position of the start-th member: past every hole before it
        if end != n:
            for (hole,) in conn.execute(
                "SELECT pos FROM member_holes WHERE map = ? ORDER BY pos", (map_id,)
            ):
                if hole > pos:
                    break
                pos += 1
        limit = -1 if stop is None else stop - start
        rows = conn.execute(
            "SELECT name FROM members WHERE map = ? AND pos >= ? ORDER BY pos LIMIT ?",
            (map_id, pos, limit),
        )
        return [row[0] for row in rows]

    def ordered_clear(self, key: str) -> None:
        self._writing()
        with self.batch():
            self._local.maps = {}  # positions and counts change
            for table in ("members", "member_holes"):
                self._execute(f"DELETE FROM {table} WHERE map = {_MAP}", (key,))
            self._execute("DELETE FROM maps WHERE key = ?", (key,))


#: The id of the map at the statement's key parameter (a map's rows name it by id).
_MAP: Final = "(SELECT id FROM maps WHERE key = ?)"


def _read_only(path: Path) -> str | None:
    """Why ``path`` can only be read, or ``None``: what SQLite needs to write it is
    the file and, for its journal and WAL files, its directory (``os.access`` asks the
    system, so a read-only mount counts even for root, a file mode does not)."""
    if path.exists() and not os.access(path, os.W_OK):
        return f"the file's mode is {path.stat().st_mode & 0o777:o}"
    if path.exists() and not os.access(path.parent, os.W_OK):
        return f"its directory {path.parent} cannot be written"
    return None


def _has_log(path: Path) -> bool:
    """Whether the file has a write-ahead log holding commits not merged into it yet."""
    log = path.with_name(path.name + "-wal")
    return log.exists() and log.stat().st_size > 0


def open_url(url: str, create: bool) -> SQLiteStore:
    """``open_store("sqlite:///PATH")``: three slashes then the path (SQLAlchemy's way)."""
    rest = url.partition("://")[2]
    if not rest.startswith("/") or len(rest) < 2:
        raise StoreError(
            f"{url!r}: write sqlite:///relative/path.db or sqlite:////absolute/path.db"
        )
    return SQLiteStore(rest[1:], create=create)


def _unstorable_text(params: tuple[Any, ...], exc: UnicodeEncodeError) -> InvalidValueError:
    key = str(params[0]) if params else "?"
    return InvalidValueError(
        key, f"{key!r}: a key, field or name holds text SQLite cannot store ({exc.reason})"
    )
