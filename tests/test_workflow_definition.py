"""Definitions: built in Python, read from TOML (with clear errors), drawn as DOT/Mermaid."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import workflow_defs as defs
from workflow_defs import Shot

import graftflow as gf
from graftflow.plugins.workflow import (
    Definition,
    DefinitionError,
    End,
    Start,
    Task,
    load_definition,
    parse_definition,
    to_dot,
    to_mermaid,
)
from graftflow.plugins.workflow._demo import shot_pipeline

GOOD = """
name = "choice"

[nodes.start]
kind = "start"
next = "pick"

[nodes.pick]
kind = "task"
next = "choose"
actions = ["workflow_defs:user_inputted_data"]

[nodes.choose]
kind = "switch"
cases = [{ when = "skip_me", next = "third" }]
default = "second"

[nodes.second]
kind = "task"
next = "third"

[nodes.third]
kind = "job"
next = "end"
func = "workflow_defs:multiply"
input_key = "operands"
retry = { max_attempts = 3 }

[nodes.end]
kind = "end"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "flow.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


class TestPythonDefinitions:
    def test_round_trip(self) -> None:
        """A Python definition is data: to_data() and back gives the same definition."""
        for definition in (defs.CHOICE, defs.FUNCS, defs.JOB, defs.PARALLEL, defs.LOOP):
            assert Definition.from_data(definition.to_data()) == definition
        data = defs.LOOP.to_data()
        assert data["nodes"][3] == {
            "kind": "if",
            "name": "approved",
            "then": "end",
            "else": "work",
            "when": "approved",
        }

    def test_functions_become_references(self) -> None:
        """Callables are stored as module:qualname; a lambda is refused when built."""
        assert defs.TWO_STEPS.node("first").to_data()["actions"] == ["workflow_defs:print_hello"]
        with pytest.raises(DefinitionError) as info:
            Task("t", next="end", actions=[lambda state: None])
        assert str(info.value).startswith("Task: node 't': field 'actions[0]': ")
        assert "lambda or a function defined inside a function" in str(info.value)

    @pytest.mark.parametrize(
        ("nodes", "message"),
        [
            ([Start("s", next="e")], "definition 'd': no end node"),
            ([Task("t", next="e"), End("e")], "definition 'd': no start node"),
            (
                [Start("s", next="e"), Start("s2", next="e"), End("e")],
                "several start nodes: ['s', 's2']",
            ),
            (
                [Start("s", next="wrk"), Task("work", next="e"), End("e")],
                "definition 'd': node 's': field 'next': unknown node 'wrk'; did you mean 'work'?",
            ),
            (
                [Start("s", next="e"), End("e"), End("e")],
                "node 'e': field 'name': two nodes have this name",
            ),
            ([Start("s", next=""), End("e")], "node 's': field 'next': is empty"),
            ([Start("s", next="e"), End("bad-name")], "node 'bad-name': field 'name'"),
        ],
    )
    def test_graph_errors(self, nodes: list[object], message: str) -> None:
        """A broken graph is refused when the definition is built, naming node and field."""
        with pytest.raises(DefinitionError) as info:
            Definition("d", nodes)  # type: ignore[arg-type]
        assert message in str(info.value)


class TestTomlFiles:
    def test_load(self, tmp_path: Path) -> None:
        """A TOML file gives the same kind of definition a Python one is."""
        definition = load_definition(write(tmp_path, GOOD))
        assert [n.name for n in definition.nodes] == [
            "start",
            "pick",
            "choose",
            "second",
            "third",
            "end",
        ]
        data = definition.to_data()
        assert data["nodes"][2]["cases"] == [{"next": "third", "when": "skip_me"}]
        assert data["nodes"][4]["retry"] == {"max_attempts": 3}
        assert Definition.from_data(data) == definition

    def test_run_loaded_definition(self, memflow: gf.Flow, tmp_path: Path) -> None:
        """A process starts from a file path and runs its steps."""
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start(None, write(tmp_path, GOOD))
        assert process.name() == "choice-1"
        process.execute_step(custom_data={"skip_me": False})
        assert process.current_step().node.get() == "second"  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (
                GOOD.replace('default = "second"', 'default = "secnd"'),
                "field 'default': unknown node 'secnd'; did you mean 'second' or 'end'?",
            ),
            (
                GOOD.replace('next = "third"\n\n[nodes.third]', 'next = "thrid"\n\n[nodes.third]'),
                "node 'second': field 'next': unknown node 'thrid'",
            ),
            (
                GOOD.replace(
                    '{ when = "skip_me", next = "third" }', '{ when = "x", next = "3rd" }'
                ),
                "node 'choose': field 'cases[0].next': unknown node '3rd'",
            ),
            (GOOD.replace('kind = "switch"', 'kind = "swich"'), "did you mean 'switch'?"),
            (
                GOOD.replace('kind = "switch"', 'kind = "loop"'),
                "node 'choose': field 'kind': unknown kind 'loop' (known: start, task, job",
            ),
            (
                GOOD.replace('kind = "end"', ""),
                "node 'end': field 'kind': missing; one of start, task",
            ),
            (
                GOOD.replace('func = "workflow_defs:multiply"\n', ""),
                "node 'third': field 'func': missing",
            ),
            (
                GOOD.replace('input_key = "operands"', 'input_kye = "operands"'),
                "node 'third': field 'input_kye': unknown field",
            ),
            (
                GOOD.replace("max_attempts = 3", "max_attempts = 0"),
                (
                    "node 'third': field 'retry.max_attempts': "
                    "max_attempts must be an int >= 1, not 0"
                ),
            ),
            (
                GOOD.replace('"workflow_defs:user_inputted_data"', '"workflow_defs:user_input"'),
                (
                    "node 'pick': field 'actions[0]': 'workflow_defs:user_input': "
                    "'workflow_defs' has no attribute 'user_input'; did you mean "
                    "'user_inputted_data'?"
                ),
            ),
            (
                GOOD.replace('"workflow_defs:multiply"', '"no_such_module:multiply"'),
                (
                    "node 'third': field 'func': 'no_such_module:multiply': cannot import "
                    "module 'no_such_module': ModuleNotFoundError: No module named "
                    "'no_such_module'"
                ),
            ),
            (
                GOOD.replace('"workflow_defs:multiply"', '"workflow_defs.multiply"'),
                "'workflow_defs.multiply': expected a 'module:qualname' reference",
            ),
            (
                GOOD.replace('when = "skip_me", ', ""),
                "node 'choose': field 'cases[0]': give exactly one of 'when'",
            ),
            (
                GOOD.replace('name = "choice"', 'nme = "choice"'),
                "field 'nme': unknown field; did you mean 'name'?",
            ),
            (GOOD.replace('name = "choice"', ""), "field 'name': missing"),
            (
                GOOD.replace('next = "pick"', "next = 3"),
                "node 'start': field 'next': must be a string, not int 3",
            ),
            (
                GOOD.replace("max_attempts = 3", "max_attemps = 3"),
                (
                    "node 'third': field 'retry.max_attemps': unknown field; did you mean "
                    "'max_attempts'?"
                ),
            ),
            ("name = [", "not valid TOML"),
        ],
    )
    def test_errors_name_file_node_and_field(self, tmp_path: Path, text: str, message: str) -> None:
        """Each mistake is one DefinitionError naming the file, node and field."""
        path = write(tmp_path, text)
        with pytest.raises(DefinitionError) as info:
            load_definition(path)
        assert str(info.value).startswith(f"{path}: ")
        assert message in str(info.value)
        assert "\n" not in str(info.value)

    def test_missing_file(self, tmp_path: Path) -> None:
        """An unreadable file is a DefinitionError naming it."""
        with pytest.raises(DefinitionError, match=r"nope\.toml: cannot read it: No such file"):
            load_definition(tmp_path / "nope.toml")

    def test_imports_checked_only_when_asked(self) -> None:
        """check_imports=False reads a file whose functions live elsewhere."""
        text = GOOD.replace('"workflow_defs:multiply"', '"elsewhere:multiply"')
        definition = parse_definition(text, check_imports=False)
        assert definition.node("third").to_data()["func"] == "elsewhere:multiply"

    def test_shipped_pipeline(self) -> None:
        """The demo's pipeline file is package data and valid."""
        definition = shot_pipeline()
        assert definition.name == "shot_pipeline"
        assert [n.kind for n in definition.nodes] == [
            "start",
            "task",
            "task",
            "split",
            "task",
            "task",
            "join",
            "task",
            "if",
            "end",
        ]


def dot_nodes(text: str) -> dict[str, str]:
    """``{name: attributes}`` of the node statements of DOT text."""
    return dict(re.findall(r'^  "(\w+)" \[(.*)\];$', text, re.MULTILINE))


class TestDiagrams:
    def test_dot_of_definition(self) -> None:
        """Every node with its shape, every edge with its label; nothing highlighted."""
        text = to_dot(defs.LOOP)
        assert text.startswith('digraph "loop" {\n')
        assert text.endswith("}\n")
        found = dot_nodes(text)
        assert list(found) == ["start", "work", "review", "approved", "end"]
        assert "shape=diamond" in found["approved"]
        assert "shape=circle" in found["start"]
        assert "fillcolor" not in text
        edges = re.findall(r'^  "(\w+)" -> "(\w+)"(?: \[label="(\w+)"\])?;$', text, re.MULTILINE)
        assert edges == [
            ("start", "work", ""),
            ("work", "review", ""),
            ("review", "approved", ""),
            ("approved", "end", "then"),
            ("approved", "work", "else"),
        ]

    def test_dot_of_process_highlights_tokens(self, memflow: gf.Flow) -> None:
        """A running process marks active nodes with their tokens, and done ones."""
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.PARALLEL)
        a, _b, _c = process.active_tasks()
        a.assign()
        a.prepare()
        a.done()
        found = dot_nodes(to_dot(process))
        assert 'class="done"' in found["start"]
        assert 'class="done"' in found["a"]
        assert 'class="active"' in found["b"]
        assert 'fillcolor="#ffd966"' in found["b"]
        assert 'label="b\\nstart/split-1/1: NEW"' in found["b"]
        assert 'label="join\\nstart: NEW"' in found["join"]
        assert "class=" not in found["after"]
        assert f'label="parallel {process.oid()}"' in to_dot(process)

    def test_mermaid(self, memflow: gf.Flow) -> None:
        """Mermaid text: shapes, labelled edges, and classes for the process's marks."""
        text = to_mermaid(defs.LOOP)
        lines = text.splitlines()
        assert lines[0] == "flowchart LR"
        assert '  n_approved{"approved"}' in lines
        assert '  n_end((("end")))' in lines
        assert '  n_approved -->|"else"| n_work' in lines
        assert "classDef" not in text
        shot = memflow.create_project("shot", Shot)
        process = shot.processes.start("p", defs.FUNCS, state={"value": 1})
        lines = to_mermaid(process).splitlines()
        assert '  n_flaky["flaky<br/>start: ERROR"]' in lines
        assert "  class n_flaky error" in lines
        assert "  class n_start,n_double done" in lines
