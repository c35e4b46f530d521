"""Config: the pydantic model, config files, Session.from_environment, per-user installers."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from extension_fixtures import Target, TmpDists, make_shot

import graftflow as gf
from graftflow._config import load_config, validate_config
from graftflow.extensions import describe, registry

pytest_plugins = ["extension_fixtures"]

KNOWN = "(known keys: store, user, installers, blocked, disabled_extensions, imports)"
EXAMPLE = "write 'module:attribute', for example 'studio_tools.extensions:install'"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def config_error(data: Any) -> gf.ConfigError:
    with pytest.raises(gf.ConfigError) as caught:
        validate_config(data)
    return caught.value


class TestModel:
    def test_defaults(self) -> None:
        """An empty config sets nothing."""
        config = gf.Config()
        assert config.model_dump() == {
            "store": None,
            "user": None,
            "installers": (),
            "blocked": (),
            "disabled_extensions": (),
            "imports": (),
        }
        assert validate_config({}) == config

    def test_imports(self) -> None:
        """``imports`` lists module names (dotted); a single string is one name."""
        config = validate_config({"imports": ["studio_models", " pkg.models "]})
        assert config.imports == ("studio_models", "pkg.models")
        assert validate_config({"imports": "studio_models"}).imports == ("studio_models",)

    @pytest.mark.parametrize("name", ["studio-models", "a..b", "3d_models", ""])
    def test_bad_import(self, name: str) -> None:
        """A module name that cannot be one is an error naming the key and entry."""
        with pytest.raises(gf.ConfigError) as caught:
            validate_config({"imports": ["fine", name]}, "/c.toml")
        assert caught.value.key == "imports[1]"
        assert str(caught.value) == (
            f"config file /c.toml: key 'imports[1]': {name!r} is not a module name; write "
            "'studio_models' or 'pkg.models'"
        )

    @pytest.mark.parametrize("url", ["nonsense", "://x", "/srv/studio.db"])
    def test_store_must_be_a_url(self, url: str) -> None:
        """``store = "nonsense"`` is an error naming the file and the key, with the fix."""
        with pytest.raises(gf.ConfigError) as caught:
            validate_config({"store": url}, "/c.toml")
        assert (caught.value.path, caught.value.key) == ("/c.toml", "store")
        assert str(caught.value) == (
            f"config file /c.toml: key 'store': {url!r} is not a store URL; write memory://, "
            "sqlite:///PATH or redis://HOST:PORT/DB"
        )

    def test_public_and_frozen(self) -> None:
        """graftflow.Config is the model; a config is immutable."""
        from graftflow._config import Config

        assert gf.Config is Config
        config = gf.Config(user="ana")
        with pytest.raises(ValueError, match="frozen"):
            config.user = "bob"  # type: ignore[misc]

    def test_lists_from_arrays(self) -> None:
        """TOML arrays (lists) become tuples."""
        config = validate_config(
            {
                "installers": ["a.b:c", "d:e.f"],
                "blocked": ["x", "y"],
                "disabled_extensions": ["z"],
            }
        )
        assert (config.installers, config.blocked, config.disabled_extensions) == (
            ("a.b:c", "d:e.f"),
            ("x", "y"),
            ("z",),
        )

    @pytest.mark.parametrize("key", ["blocked", "disabled_extensions"])
    def test_names_from_one_separated_string(self, key: str) -> None:
        """A single string is split at commas, semicolons and whitespace."""
        config = validate_config({key: " a, b;c\td\n e,,"})
        assert getattr(config, key) == ("a", "b", "c", "d", "e")

    def test_names_split_inside_list_entries(self) -> None:
        """List entries holding several names are split too."""
        assert validate_config({"blocked": ["a b", "c;d"]}).blocked == ("a", "b", "c", "d")

    @pytest.mark.parametrize(
        ("written", "ref"),
        [
            (" studio.tools : install ", "studio.tools:install"),
            ("studio . tools:install", "studio.tools:install"),
            ("\tstudio_tools:ext.install\n", "studio_tools:ext.install"),
        ],
    )
    def test_installer_whitespace_removed(self, written: str, ref: str) -> None:
        """Installers are 'module:attr' with the layout whitespace removed."""
        assert validate_config({"installers": [written]}).installers == (ref,)

    def test_installers_from_one_string(self) -> None:
        """A single string of installers is split like a block list."""
        assert validate_config({"installers": "a:b; c.d:e"}).installers == ("a:b", "c.d:e")

    @pytest.mark.parametrize(
        ("installers", "key", "written"),
        [
            (["nocolon"], "installers[0]", "nocolon"),
            (["a:b", "mod:"], "installers[1]", "mod:"),
            ([":attr"], "installers[0]", ":attr"),
            (["a b:c"], "installers[0]", "a b:c"),
            (["a:b:c"], "installers[0]", "a:b:c"),
            (["1a:b"], "installers[0]", "1a:b"),
        ],
    )
    def test_bad_installer(self, installers: list[str], key: str, written: str) -> None:
        """A malformed installer is an error naming its position."""
        error = config_error({"installers": installers})
        assert (error.path, error.key) == (None, key)
        assert str(error) == f"config: key {key!r}: {written!r} is not an installer; {EXAMPLE}"

    @pytest.mark.parametrize(
        ("key", "suggestion"),
        [
            ("instalers", "; did you mean 'installers'?"),
            ("blockd", "; did you mean 'blocked'?"),
            ("usr", "; did you mean 'user'?"),
            ("colour", ""),
        ],
    )
    def test_unknown_key(self, key: str, suggestion: str) -> None:
        """An unknown key is an error naming it, with a did-you-mean and the known keys."""
        error = config_error({key: "x"})
        assert (error.path, error.key) == (None, key)
        assert str(error) == f"config: unknown key {key!r}{suggestion} {KNOWN}"

    @pytest.mark.parametrize(
        ("data", "key", "message"),
        [
            ({"store": 3}, "store", "expected a store URL string, got 3"),
            ({"user": ["ana"]}, "user", "expected a user name string, got ['ana']"),
            ({"blocked": [1]}, "blocked[0]", "expected a list of names (strings), got 1"),
            ({"blocked": 1}, "blocked", "expected a list of names (strings), got 1"),
            (
                {"disabled_extensions": ["a", True]},
                "disabled_extensions[1]",
                "expected a list of extension names (strings), got True",
            ),
            (
                {"installers": ["a:b", 3]},
                "installers[1]",
                "expected a list of 'module:attribute' strings, got 3",
            ),
            (
                {"installers": {"a": "b:c"}},
                "installers",
                "expected a list of 'module:attribute' strings, got {'a': 'b:c'}",
            ),
        ],
    )
    def test_wrong_types(self, data: dict[str, Any], key: str, message: str) -> None:
        """A value of the wrong type is an error naming the key and position."""
        error = config_error(data)
        assert error.key == key
        assert str(error) == f"config: key {key!r}: {message}"

    @pytest.mark.parametrize("key", ["user", "store"])
    @pytest.mark.parametrize("value", ["", "  \t"])
    def test_empty_user_or_store(self, key: str, value: str) -> None:
        """An empty user or store is refused: removing the key is how to use the default."""
        error = config_error({key: value})
        assert error.key == key
        assert str(error) == (
            f"config: key {key!r}: must not be empty; remove the key to use the default"
        )

    def test_not_a_table(self) -> None:
        """A config that is not a mapping is an error."""
        error = config_error(["user"])
        assert (error.key, str(error)) == (
            None,
            "config: expected a table of settings, not ['user']",
        )

    def test_config_error_is_a_value_error(self) -> None:
        """ConfigError is a GraftflowError and a ValueError."""
        error = config_error({"usr": "x"})
        assert isinstance(error, gf.GraftflowError)
        assert isinstance(error, ValueError)


class TestLoadConfig:
    def test_reads_a_file(self, tmp_path: Path) -> None:
        """A valid file gives its settings."""
        path = write(
            tmp_path / "config.toml",
            'user = "ana"\nstore = "memory://"\ninstallers = ["a.b:c"]\n'
            'blocked = "x, y"\ndisabled_extensions = ["z"]\n',
        )
        assert load_config(path) == gf.Config(
            user="ana",
            store="memory://",
            installers=("a.b:c",),
            blocked=("x", "y"),
            disabled_extensions=("z",),
        )

    def test_corrupt_toml(self, tmp_path: Path) -> None:
        """A file that is not TOML is an error naming the file and the position."""
        path = write(tmp_path / "config.toml", 'user = "ana\n')
        with pytest.raises(gf.ConfigError) as caught:
            load_config(path)
        assert (caught.value.path, caught.value.key) == (str(path), None)
        assert str(caught.value).startswith(f"config file {path} is not valid TOML: ")
        assert "line 1" in str(caught.value)

    def test_not_utf8(self, tmp_path: Path) -> None:
        """A file that is not UTF-8 is an error naming the file."""
        path = tmp_path / "config.toml"
        path.write_bytes(b'user = "\xff\xfe"\n')
        with pytest.raises(gf.ConfigError) as caught:
            load_config(path)
        assert (caught.value.path, caught.value.key) == (str(path), None)
        assert str(caught.value) == (
            f"config file {path} cannot be read: 'utf-8' codec can't decode byte 0xff in "
            "position 8: invalid start byte"
        )

    def test_directory(self, tmp_path: Path) -> None:
        """A directory where the file should be is an error naming it."""
        path = tmp_path / "config.toml"
        path.mkdir()
        with pytest.raises(gf.ConfigError) as caught:
            load_config(path)
        assert (caught.value.path, caught.value.key) == (str(path), None)
        assert str(caught.value).startswith(f"config file {path} cannot be read: ")

    def test_missing_required(self, tmp_path: Path) -> None:
        """A missing file is an error when required, None otherwise."""
        path = tmp_path / "nowhere.toml"
        with pytest.raises(gf.ConfigError) as caught:
            load_config(path)
        assert (caught.value.path, caught.value.key) == (str(path), None)
        assert str(caught.value) == f"config file {path} does not exist"
        assert load_config(path, required=False) is None

    def test_unknown_key(self, tmp_path: Path) -> None:
        """An unknown key names the file and the key."""
        path = write(tmp_path / "config.toml", 'user = "ana"\nblokced = ["x"]\n')
        with pytest.raises(gf.ConfigError) as caught:
            load_config(str(path))
        assert (caught.value.path, caught.value.key) == (str(path), "blokced")
        assert str(caught.value) == (
            f"config file {path}: unknown key 'blokced'; did you mean 'blocked'? {KNOWN}"
        )

    def test_unknown_table(self, tmp_path: Path) -> None:
        """A TOML table is a key like any other: unknown ones are errors."""
        path = write(tmp_path / "config.toml", "[tools]\nx = 1\n")
        with pytest.raises(gf.ConfigError) as caught:
            load_config(path)
        assert caught.value.key == "tools"

    def test_bad_value_names_file_and_key(self, tmp_path: Path) -> None:
        """A bad value names the file, the key and the list position."""
        path = write(tmp_path / "config.toml", 'installers = ["a:b", "a b:c"]\n')
        with pytest.raises(gf.ConfigError) as caught:
            load_config(path)
        assert (caught.value.path, caught.value.key) == (str(path), "installers[1]")
        assert str(caught.value) == (
            f"config file {path}: key 'installers[1]': 'a b:c' is not an installer; {EXAMPLE}"
        )


@pytest.fixture
def empty_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG_CONFIG_HOME is an empty directory, so the default config file is missing."""
    home = tmp_path / "xdg"
    home.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


class TestFromEnvironment:
    def test_config_file_applied(self, tmp_path: Path) -> None:
        """GRAFTFLOW_CONFIG's user, store, installers, blocked and disabled apply."""
        path = write(
            tmp_path / "ana.toml",
            'user = "ana"\nstore = "memory://"\n'
            'installers = ["extension_fixtures:config_installer", '
            '"extension_fixtures:base_override_installer"]\n'
            'blocked = ["extension_fixtures:env_installer"]\n'
            'disabled_extensions = ["override_base"]\n',
        )
        session = gf.Session.from_environment(
            {
                "GRAFTFLOW_CONFIG": str(path),
                "GRAFTFLOW_INSTALLERS": "extension_fixtures:env_installer",
            }
        )
        assert (session.user, session.config_file) == ("ana", path)
        assert session.config is not None
        assert session.config.store == "memory://"
        project = gf.Flow(session=session).create_project("t", Target)
        assert (project.who.get(), project.base.get()) == ("config", "base")
        sources = {s.name: s for s in registry(session).sources if s.kind in ("config", "env")}
        assert sources["extension_fixtures:config_installer"].label == (
            f"config {path}: extension_fixtures:config_installer"
        )
        assert sources["extension_fixtures:env_installer"].status == "blocked"
        assert sources["extension_fixtures:base_override_installer"].extensions == [
            "override_base (disabled)"
        ]
        assert session.diagnostics == []

    @pytest.mark.parametrize(
        ("environ", "file_user", "user"),
        [
            ({"GRAFTFLOW_USER": "ana", "LOGNAME": "carl"}, "bob", "ana"),
            ({"LOGNAME": "carl"}, "bob", "bob"),
            ({"GRAFTFLOW_USER": "", "LOGNAME": "carl"}, "bob", "bob"),
            ({"LOGNAME": "carl"}, None, "carl"),
        ],
    )
    def test_user_precedence(
        self, tmp_path: Path, environ: dict[str, str], file_user: str | None, user: str
    ) -> None:
        """GRAFTFLOW_USER, else the config's user, else LOGNAME."""
        text = f'user = "{file_user}"\n' if file_user else ""
        path = write(tmp_path / "config.toml", text)
        session = gf.Session.from_environment({**environ, "GRAFTFLOW_CONFIG": str(path)})
        assert session.user == user

    @pytest.mark.parametrize(
        ("text", "key", "detail"),
        [
            ('user = "ana\n', None, "is not valid TOML: "),
            ('usr = "ana"\n', "usr", ": unknown key 'usr'; did you mean 'user'? "),
            ("blocked = [1]\n", "blocked[0]", ": key 'blocked[0]': expected a list of names"),
        ],
    )
    def test_broken_file_is_a_diagnostic(
        self, tmp_path: Path, text: str, key: str | None, detail: str
    ) -> None:
        """A broken file: the session still comes, with one diagnostic naming file and key."""
        path = write(tmp_path / "config.toml", text)
        environ = {"GRAFTFLOW_CONFIG": str(path), "LOGNAME": "carl"}
        session = gf.Session.from_environment(environ)
        assert (session.user, session.config, session.config_file) == ("carl", None, None)
        (diagnostic,) = session.diagnostics
        assert (diagnostic.source, diagnostic.error) == (f"config {path}", "ConfigError")
        assert diagnostic.message.startswith(f"config file {path}")
        assert detail in diagnostic.message
        assert "\n" not in str(diagnostic)
        with pytest.raises(gf.ConfigError) as caught:
            gf.Session.from_environment(environ, strict=True)
        assert (caught.value.path, caught.value.key) == (str(path), key)
        assert str(caught.value) == diagnostic.message

    def test_named_file_missing(self, tmp_path: Path) -> None:
        """A GRAFTFLOW_CONFIG that names no file is a diagnostic (the user asked for it)."""
        path = tmp_path / "nowhere.toml"
        session = gf.Session.from_environment({"GRAFTFLOW_CONFIG": str(path)})
        assert [(d.source, d.error, d.message) for d in session.diagnostics] == [
            (
                f"config {path}",
                "ConfigError",
                f"config file {path} does not exist (named by GRAFTFLOW_CONFIG)",
            )
        ]
        with pytest.raises(gf.ConfigError):
            gf.Session.from_environment({"GRAFTFLOW_CONFIG": str(path)}, strict=True)

    def test_default_file_missing_is_silent(self, empty_config_home: Path) -> None:
        """Without GRAFTFLOW_CONFIG a missing default file is fine and silent."""
        environ = {"LOGNAME": "carl", "XDG_CONFIG_HOME": str(empty_config_home)}
        session = gf.Session.from_environment(environ, strict=True)
        assert (session.user, session.config, session.config_file) == ("carl", None, None)
        assert session.diagnostics == []

    @pytest.mark.skipif(sys.platform != "linux", reason="XDG_CONFIG_HOME is the Linux layout")
    def test_default_file_read(self, empty_config_home: Path) -> None:
        """Without GRAFTFLOW_CONFIG the user config dir's config.toml is read."""
        path = empty_config_home / "graftflow" / "config.toml"
        path.parent.mkdir()
        write(path, 'user = "dina"\n')
        environ = {"XDG_CONFIG_HOME": str(empty_config_home)}
        session = gf.Session.from_environment(environ)
        assert (session.user, session.config_file) == ("dina", path)

    @pytest.mark.skipif(sys.platform != "linux", reason="XDG_CONFIG_HOME is the Linux layout")
    def test_default_file_from_given_environ(self, tmp_path: Path, empty_config_home: Path) -> None:
        """The default config file is found through the given environ, not os.environ."""
        given = tmp_path / "given"
        (given / "graftflow").mkdir(parents=True)
        write(given / "graftflow" / "config.toml", 'user = "erin"\n')
        session = gf.Session.from_environment({"XDG_CONFIG_HOME": str(given)})
        assert session.user == "erin"

    def test_blank_graftflow_config_means_default(self, empty_config_home: Path) -> None:
        """An empty GRAFTFLOW_CONFIG is as if unset: the default file, here missing."""
        session = gf.Session.from_environment({"GRAFTFLOW_CONFIG": " ", "LOGNAME": "carl"})
        assert (session.config, session.diagnostics) == (None, [])


class TestSessionConfig:
    def test_mapping_validated(self) -> None:
        """Session(config=mapping) validates it into a Config."""
        session = gf.Session(config={"blocked": "a, b", "user": "ana"}, environ={})
        assert session.config == gf.Config(blocked=("a", "b"), user="ana")
        assert (session.user, session.config_file) == ("ana", None)

    def test_config_object_kept(self) -> None:
        """A Config is used as given."""
        config = gf.Config(user="ana")
        assert gf.Session(config=config, environ={}).config is config

    def test_bad_mapping(self) -> None:
        """A bad mapping raises ConfigError without a file."""
        with pytest.raises(gf.ConfigError) as caught:
            gf.Session(config={"usr": "ana"}, environ={})
        assert (caught.value.path, caught.value.key) == (None, "usr")
        assert str(caught.value) == f"config: unknown key 'usr'; did you mean 'user'? {KNOWN}"

    @pytest.mark.parametrize("config", [42, "user = 'ana'", ["user"]])
    def test_wrong_type(self, config: Any) -> None:
        """Anything but a Config or a mapping is a TypeError."""
        with pytest.raises(TypeError) as caught:
            gf.Session(config=config, environ={})
        assert str(caught.value) == (
            f"Session(config=...) takes a graftflow.Config or a mapping, not {config!r}"
        )

    def test_code_config_label(self) -> None:
        """Installers of a config given in code are labelled 'config: module:attr'."""
        session = gf.Session(
            config={"installers": ["extension_fixtures:config_installer"]}, environ={}
        )
        project = gf.Flow(session=session).create_project("t", Target)
        (record,) = [r for r in describe(project) if r.name == "who"]
        assert record.source == "config: extension_fixtures:config_installer"


class TestPerUserInstaller:
    """The three uses, a per-user installer: two users, two config files, one process."""

    @pytest.fixture
    def configs(self, tmp_path: Path, tmp_dists: TmpDists, pipeline: ModuleType) -> dict[str, Path]:
        tmp_dists.module(
            "ana_tools",
            """
            import graftflow as gf
            from gftest_pipeline import Shot
            from graftflow.extensions import dynamic_relation

            @dynamic_relation("my_tool", target=Shot)
            def my_tool(parent):
                return gf.IntParam(parent.frame_out.get() - parent.frame_in.get() + 1)

            def install(session):
                return {"ana_tools": [my_tool]}
            """,
        )
        return {
            "ana": write(
                tmp_path / "ana.toml", 'user = "ana"\ninstallers = ["ana_tools:install"]\n'
            ),
            "bob": write(tmp_path / "bob.toml", 'user = "bob"\n'),
        }

    def test_only_ana_sees_her_tool(self, configs: dict[str, Path], pipeline: ModuleType) -> None:
        """Ana's session has my_tool on Shots; Bob's, on the same store, does not."""
        store = gf.MemoryStore()
        make_shot(gf.Flow(session=gf.Session(environ={}), store=store), pipeline)

        def shot_for(user: str) -> Any:
            session = gf.Session.from_environment({"GRAFTFLOW_CONFIG": str(configs[user])})
            assert session.user == user
            return gf.Flow(session=session, store=store).get_object("/proj/films/f1/shots/s1")

        ana, bob = shot_for("ana"), shot_for("bob")
        assert ana.my_tool.get() == 100
        ana.my_tool.set(7)
        assert ana.my_tool.get() == 7
        with pytest.raises(gf.MissingRelationError):
            bob.my_tool
        assert "my_tool" not in [r.name for r in describe(bob)]
        assert bob.review.get() == "pending"
        (record,) = [r for r in describe(ana) if r.name == "my_tool"]
        assert (record.origin, record.factory, record.source) == (
            "ana_tools",
            "ana_tools:my_tool",
            f"config {configs['ana']}: ana_tools:install",
        )
        assert ana.root().session().diagnostics == []
