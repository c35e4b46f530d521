"""Import hygiene: layers go one way and the core imports nothing it does not need."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

import graftflow

ROOT = Path(__file__).parent.parent

#: Never imported by `import graftflow`: upper layers, optional backends, CLI libraries,
#: and pydantic, which typed params import on first validation only.
FORBIDDEN_FOR_CORE = [
    "graftflow.extensions",
    "graftflow.plugins",
    "pluggy",
    "redis",
    "click",
    "rich",
    "pydantic",
    "platformdirs",
]


def loaded_after(run_python: Any, statement: str) -> set[str]:
    proc = run_python(f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))")
    return set(json.loads(proc.stdout.splitlines()[-1]))


class TestImports:
    def test_core_imports_nothing_above_it(self, run_python: Any) -> None:
        """`import graftflow` loads neither the upper layers nor optional libraries."""
        loaded = loaded_after(run_python, "import graftflow")
        assert "graftflow" in loaded
        assert sorted(m for m in FORBIDDEN_FOR_CORE if m in loaded) == []

    def test_extensions_do_not_import_plugins(self, run_python: Any) -> None:
        """The extensions layer never imports the plugins layer."""
        loaded = loaded_after(run_python, "import graftflow.extensions")
        assert "graftflow.plugins" not in loaded

    def test_loading_plugins_leaves_the_workflow_engine_unloaded(self, run_python: Any) -> None:
        """Every session loads the bundled plugins; the workflow plugin's entry point
        must not bring its engine (processes, queue, workers) with it (nor pydantic);
        a demo shot's grafted ``processes`` map is built and counted without it (what
        ``graftflow ls`` of a shot shows), and its first process brings it."""
        code = (
            "import graftflow as gf\n"
            "from graftflow.extensions import registry\n"
            "session = gf.Session(environ={})\n"
            "reg = registry(session)\n"
            "assert 'shot_processes' in reg.extensions, reg.extensions\n"
            "assert sorted(m for m in sys.modules if m.startswith('graftflow.plugins.workflow._'))"
            " == ['graftflow.plugins.workflow._hookspecs', 'graftflow.plugins.workflow._plugin',"
            " 'graftflow.plugins.workflow._web'], sorted(sys.modules)\n"
            # The flow browser's plugins load without its server stack.
            "assert 'starlette' not in sys.modules and 'jinja2' not in sys.modules\n"
            "assert 'pydantic' not in sys.modules\n"
            "# nor read its table of public names (the plugin imports a private module)\n"
            "assert sys.modules['graftflow.plugins.workflow']._WHERE is None\n"
            "from graftflow.plugins.demo import create_demo\n"
            "flow = gf.Flow(session=session)\n"
            "shot = create_demo(flow, sequences=1, shots=1).films['f01'].sequences['sq010']"
            ".shots['sh0010']\n"
            "assert len(shot.processes) == 0\n"
            "assert 'graftflow.plugins.workflow._process' not in sys.modules\n"
            "assert 'graftflow.plugins.workflow._nodes' not in sys.modules\n"
            "shot.processes.add('first')\n"
        )
        loaded = loaded_after(run_python, code)
        assert "graftflow.plugins.workflow._process" in loaded
        assert "graftflow.plugins.workflow._queue" not in loaded  # no job was submitted

    def test_workflow_names_are_read_as_the_type_checker_reads_them(self) -> None:
        """The workflow package finds each public name's module with a regular expression
        over its TYPE_CHECKING block (cheap, for every session building a demo shot);
        it must see exactly what the block imports."""
        import graftflow.plugins.workflow as workflow

        source = (ROOT / "plugins" / "workflow" / "__init__.py").read_text(encoding="utf-8")
        block = next(
            node
            for node in ast.parse(source).body
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        )
        declared = {
            alias.asname or alias.name: str(statement.module)
            for statement in block.body
            if isinstance(statement, ast.ImportFrom)
            for alias in statement.names
        }
        assert len(declared) > 50
        assert workflow._where() == declared
        assert all(hasattr(workflow, name) for name in declared)

    def test_typed_validation_imports_pydantic_lazily(self, run_python: Any) -> None:
        """pydantic arrives with the first typed validation that needs it, not before."""
        loaded = loaded_after(
            run_python,
            "import graftflow as gf\n"
            "class S(gf.Object):\n    n = gf.IntParam()\n"
            "s = gf.Flow().create_project('p', S)\n"
            "s.n.set(3)\nassert 'pydantic' not in sys.modules\n"
            "try:\n    s.n.set('3')\nexcept gf.InvalidValueError:\n    pass",
        )
        assert "pydantic" in loaded

    @pytest.mark.parametrize("layer", ["core"])
    def test_core_sources_never_name_upper_layers(self, layer: str) -> None:
        """No module of the core imports graftflow.extensions or graftflow.plugins."""
        offenders = []
        for path in sorted((ROOT / layer).rglob("*.py")):
            # graftflow.stores is one level down: ".." from there is still graftflow.
            package = ["graftflow", *path.relative_to(ROOT / layer).parent.parts]
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level:
                    if node.level > len(package):
                        names = ["(above graftflow)"]
                    else:
                        base = package[: len(package) - node.level + 1]
                        names = [".".join([*base, *([node.module] if node.module else [])])]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                for name in names:
                    if name.startswith(
                        ("graftflow.extensions", "graftflow.plugins", "(above graftflow)")
                    ):
                        offenders.append(f"{path.relative_to(ROOT)}: {name}")
        assert offenders == []

    @pytest.mark.parametrize("layer", ["extensions", "plugins"])
    def test_upper_layers_use_only_the_declared_interface(self, layer: str) -> None:
        """Above the core, nothing imports a private core module (``graftflow._*``): what
        the upper layers build on is ``graftflow`` and ``graftflow.extending``."""
        offenders = []
        for path in sorted((ROOT / layer).rglob("*.py")):
            if "build" in path.relative_to(ROOT).parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                    if node.module == "graftflow":
                        names += [f"graftflow.{alias.name}" for alias in node.names]
                for name in names:
                    if name.startswith("graftflow._"):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
        assert offenders == []

    def test_extending_names_exist(self) -> None:
        """Every name graftflow.extending declares is there."""
        import graftflow.extending

        missing = [n for n in graftflow.extending.__all__ if not hasattr(graftflow.extending, n)]
        assert missing == []

    def test_public_names_exist(self) -> None:
        """Every name in graftflow.__all__ is importable and the contract names are there."""
        missing = [name for name in graftflow.__all__ if not hasattr(graftflow, name)]
        assert missing == []
        contract = {
            "Object", "Flow", "Session", "TreeManager", "Child", "Param", "IntParam",
            "FloatParam", "BoolParam", "StringParam", "DictParam", "SessionParam", "Computed",
            "Connection", "Parent", "Relative", "Action", "Map", "DynamicMap", "Value",
            "Store", "MemoryStore", "SQLiteStore", "open_store", "get_object", "project_of",
            "GraftflowError", "MissingRelationError", "MissingChildError",
        }  # fmt: skip
        assert contract <= set(graftflow.__all__)
        assert json.loads(json.dumps(graftflow.__version__)) == graftflow.__version__

    def test_rarely_used_names_load_when_first_used(self, run_python: Any) -> None:
        """The kabaret-parity value types and SessionObject are imported on first use
        (issue 15: a command pays for no module it does not use), and then are the very
        objects of their modules, listed by dir() before and after."""
        code = (
            "import graftflow\n"
            "lazy = sorted(graftflow._LAZY)\n"
            "assert set(lazy) <= set(dir(graftflow)), 'dir() lists them'\n"
            "assert 'graftflow._choice' not in sys.modules, 'imported with graftflow'\n"
            "from graftflow import ChoiceValue, HashParam, SessionObject\n"
            "from graftflow._choice import ChoiceValue as module_choice\n"
            "assert ChoiceValue is module_choice\n"
            "assert graftflow.SessionObject is SessionObject\n"
            "assert HashParam.__module__ == 'graftflow._hash_values'\n"
        )
        loaded = loaded_after(run_python, code)
        assert {"graftflow._choice", "graftflow._hash_values"} <= loaded
        unloaded = loaded_after(run_python, "import graftflow")
        assert [
            m
            for m in ("graftflow._choice", "graftflow._hash_values", "graftflow._session_object")
            if m in unloaded
        ] == []

    def test_version_is_the_distributions_read_only_when_asked(self, run_python: Any) -> None:
        """One version (pyproject's, through the installed metadata); importing graftflow
        does not pay for the metadata scan that reading it costs."""
        code = (
            "import graftflow\n"
            "assert 'importlib.metadata' not in sys.modules, 'read at import'\n"
            "import importlib.metadata as md\n"
            "assert graftflow.__version__ == md.version('graftflow')\n"
        )
        assert "graftflow" in loaded_after(run_python, code)
        pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
        found = re.search(r'^version = "([^"]+)"$', pyproject, re.MULTILINE)
        assert found is not None
        assert graftflow.__version__ == found.group(1)


# -- what an everyday command loads (issue 15: `get` answers in a few tens of ms) ----------

MODELS = """
import graftflow as gf


class Shot(gf.Object):
    frame_out = gf.IntParam(1100)
    enabled = gf.BoolParam(True)


class Shots(gf.Map[Shot]):
    pass


class Film(gf.Object):
    shots = gf.Child(Shots)
"""

#: Libraries an everyday command on a plain project never needs: the CLI's tables are
#: laid out without rich, plain objects need no extension machinery (pluggy, entry
#: points), text converts to an int or a bool without pydantic, --store needs no
#: platformdirs; nothing is logged, so logging stays unimported; records are named
#: tuples or plain classes, as defining a dataclass costs about 0.5 ms each; the
#: kabaret-parity value types and SessionObject load when a flow first names them.
NOT_FOR_EVERYDAY = [
    "dataclasses",
    "graftflow._choice",
    "graftflow._hash_values",
    "graftflow._session_object",
    "logging",
    "rich",
    "pydantic",
    "pluggy",
    "importlib.metadata",
    "graftflow.extensions",
    "platformdirs",
    "shutil",
]


def command_modules(run_python: Any, *args: str) -> set[str]:
    """The modules loaded by one ``graftflow`` command, run in a fresh interpreter."""
    code = (
        "import json, sys\n"
        "from graftflow.plugins.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    return set(json.loads(run_python(code).stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [
        ["get", "/film/shots/sh0010/frame_out"],
        ["set", "/film/shots/sh0010/frame_out", "1090"],
        ["set", "/film/shots/sh0010/enabled", "no"],
        ["ls", "/film/shots/sh0010"],
        ["ls", "/film/shots"],
    ],
    ids=" ".join,
)
def test_everyday_commands_load_only_what_they_use(
    args: list[str], run_python: Any, tmp_path: Path
) -> None:
    """get, set and ls on a plain project leave rich, pydantic and the extensions layer
    unloaded (as click's own test_imports checks what its import loads)."""
    (tmp_path / "plain_models.py").write_text(MODELS, encoding="utf-8")
    run_python(
        "import graftflow as gf, plain_models as m\n"
        "with gf.Flow(store=gf.open_store('sqlite:///plain.db')) as flow:\n"
        "    flow.create_project('film', m.Film).shots.add('sh0010')\n",
        env={"PYTHONPATH": str(tmp_path)},
    )
    loaded = command_modules(
        run_python, "--store", "sqlite:///plain.db", "--import", "plain_models", *args
    )
    assert "graftflow.plugins.cli" in loaded
    assert sorted(m for m in NOT_FOR_EVERYDAY if m in loaded) == []
    # The UI protocol (labels, groups, hidden relations) is what ls shows; get and set
    # print one value. difflib comes with a did-you-mean hint, which a listing that
    # finds everything never computes.
    assert ("graftflow._ui" in loaded) == (args[0] == "ls")
    assert "difflib" not in loaded


def test_extendable_objects_load_no_rich_nor_pydantic(run_python: Any) -> None:
    """On the demo (extendable objects), installers are discovered, but the output
    still needs neither rich nor pydantic, and logging is imported only if something
    went wrong."""
    run_python(
        "import graftflow as gf\n"
        "from graftflow.plugins.demo import create_demo\n"
        "with gf.Flow(store=gf.open_store('sqlite:///demo.db')) as flow:\n"
        "    create_demo(flow, sequences=1, shots=1)\n"
    )
    shot = "/demo/films/f01/sequences/sq010/shots/sh0010"
    for args in (["get", f"{shot}/frame_out"], ["ls", shot], ["set", f"{shot}/frame_out", "1"]):
        loaded = command_modules(run_python, "--store", "sqlite:///demo.db", *args)
        assert "graftflow.extensions" in loaded
        assert [m for m in ("rich", "pydantic", "logging") if m in loaded] == [], args
        # Records are named tuples or plain classes: defining a dataclass costs a
        # command about 0.5 ms each (issue 15's latency).
        assert "dataclasses" not in loaded, args
        assert "graftflow._choice" not in loaded, args
        # The shot's grafted `processes` map is resolved (and counted by ls), but no
        # process is built: the workflow engine stays unloaded.
        engine = [m for m in loaded if m.startswith("graftflow.plugins.workflow._")]
        assert "graftflow.plugins.workflow._processes" in engine, args
        assert "graftflow.plugins.workflow._process" not in engine, args
        assert "graftflow.plugins.workflow._nodes" not in engine, args


def test_the_installed_package_is_this_checkout() -> None:
    """tox tests a wheel built from this tree, and setuptools builds it through
    ``build/lib``, which keeps every module the tree has since deleted or moved. A
    stale module there lets a test pass here that fails on a clean checkout (CI), as
    an import of a module moved away did: refuse to run on such a wheel."""
    installed = Path(graftflow.__file__).parent
    sources = {"extensions": ROOT / "extensions", "plugins": ROOT / "plugins"}
    stale = []
    for module in installed.rglob("*.py"):
        relative = module.relative_to(installed)
        top = relative.parts[0]
        source = (
            sources[top].joinpath(*relative.parts[1:])
            if top in sources
            else ROOT / "core" / relative
        )
        if not source.exists():
            stale.append(relative.as_posix())
    assert stale == [], (
        f"the installed graftflow ({installed}) has modules this checkout does not: "
        f"{stale}; remove build/ and rebuild the env (rm -rf build && tox -r)"
    )
