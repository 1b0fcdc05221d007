"""What each step reads and what a change re-runs (the real builds are in tests/builds/test_explain_builds.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockeropt.buildcontext import BuildContext
from dockeropt.cachekeys import keys_of, takes
from dockeropt.cst import parse

MULTI = """FROM node:20 AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
FROM node:20 AS build
WORKDIR /app
COPY . .
RUN npm run build
FROM node:20 AS unused
COPY . .
FROM build AS test
RUN npm test
FROM node:20
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
CMD ["node", "dist/index.js"]
"""


def make(tmp_path: Path, files: dict[str, str]) -> BuildContext:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return BuildContext(str(tmp_path))


@pytest.fixture
def node(tmp_path: Path) -> BuildContext:
    return make(tmp_path, {"package.json": "{}", "package-lock.json": "{}", "src/index.js": "1", "README.md": "x",
                           ".dockerignore": "README.md\n"})


def lines(text: str, context: BuildContext | None, changed: list[str]) -> list[int]:
    return [r.step.line for r in keys_of(parse(text), context).reruns(changed)]


@pytest.mark.parametrize(
    ("source", "path", "taken"),
    [
        pytest.param(".", "src/a.js", True, id="the whole context"),
        pytest.param("./", "a", True, id="dot slash"),
        pytest.param("src", "src/a.js", True, id="a folder takes what is below it"),
        pytest.param("src", "srcx/a.js", False, id="not a longer name"),
        pytest.param("package*.json", "package-lock.json", True, id="a glob"),
        pytest.param("*.json", "sub/a.json", False, id="a star stays in one segment"),
        pytest.param("/app.py", "app.py", True, id="a leading slash is the context root"),
        pytest.param("src/*", "src/deep/a.js", True, id="a glob that matches a folder takes its files"),
    ],
)
def test_a_source_takes(source: str, path: str, taken: bool) -> None:
    assert takes(source, path) is taken


def test_reads_are_the_context_files_a_copy_takes(node: BuildContext) -> None:
    keys = keys_of(parse(MULTI), node)
    copies = {s.line: s.reads for s in keys.steps if s.instruction.name == "COPY"}
    assert copies[3] == ("package-lock.json", "package.json")
    assert copies[7] == (".dockerignore", "package-lock.json", "package.json", "src/index.js")  # README.md is ignored
    assert copies[14] == () and keys.steps[-3].stage_inputs == (0,)


def test_a_source_edit_reruns_from_the_copy_and_the_stages_that_read_it(node: BuildContext) -> None:
    # the unused stage and the test stage (not needed by the final one) are not built
    assert lines(MULTI, node, ["src/index.js"]) == [7, 8, 15, 16]


def test_a_manifest_edit_reruns_every_stage_that_reads_it(node: BuildContext) -> None:
    assert lines(MULTI, node, ["package.json"]) == [3, 4, 7, 8, 14, 15, 16]


def test_an_ignored_file_reruns_nothing(node: BuildContext) -> None:
    assert lines(MULTI, node, ["README.md"]) == []


def test_a_stage_built_from_a_stage_that_reruns_reruns_whole(node: BuildContext) -> None:
    text = "FROM node:20 AS base\nCOPY src ./src\nFROM base\nENV A=1\nRUN true\n"
    keys = keys_of(parse(text), node)
    reruns = keys.reruns(["src/index.js"])
    assert [r.step.line for r in reruns] == [2, 4, 5]
    assert reruns[1].because == "its base, stage base, re-runs"


def test_without_a_context_reads_are_unknown_and_sources_still_match() -> None:
    keys = keys_of(parse("FROM node:20\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n"), None)
    assert [s.reads for s in keys.steps if s.instruction.name == "COPY"] == [None, None]
    assert [r.step.line for r in keys.reruns(["src/a.js"])] == [4, 5]
    assert keys.cost() == []


def test_a_source_with_an_unknown_variable_may_take_anything(node: BuildContext) -> None:
    assert lines("FROM node:20\nCOPY $SRC ./\nRUN true\n", node, ["src/index.js"]) == [2, 3]
    assert lines("FROM node:20\nCOPY $SRC ./\nRUN true\n", node, ["README.md"]) == []  # ignored all the same


def test_variables_in_sources_are_expanded(node: BuildContext) -> None:
    text = "FROM node:20\nARG DIR=src\nCOPY ${DIR} ./src\nRUN true\n"
    assert lines(text, node, ["src/index.js"]) == [3, 4]
    assert lines(text, node, ["package.json"]) == []


def test_remote_sources_and_images_read_no_context_file(node: BuildContext) -> None:
    text = "FROM alpine\nADD https://example.com/a.tgz /a\nCOPY --from=nginx:alpine /etc/nginx /etc/nginx\nCOPY <<EOF /x\nhi\nEOF\n"
    keys = keys_of(parse(text), node)
    assert [s.external for s in keys.steps] == [("https://example.com/a.tgz",), ("nginx:alpine",), ()]
    assert lines(text, node, ["src/index.js", "package.json"]) == []


def test_a_bind_mount_reads_the_context(node: BuildContext) -> None:
    text = "FROM golang:1.22\nRUN --mount=type=bind,source=src,target=/src true\nRUN --mount=type=cache,target=/c true\n"
    keys = keys_of(parse(text), node)
    assert keys.steps[0].reads == ("src/index.js",)
    assert lines(text, node, ["src/index.js"]) == [2, 3]


def test_args_in_scope_of_a_run(node: BuildContext) -> None:
    keys = keys_of(parse("FROM alpine\nARG A\nRUN true\nARG B=1\nRUN true\n"), node)
    assert [s.arguments for s in keys.steps if s.instruction.name == "RUN"] == [("A",), ("A", "B")]


def test_the_most_expensive_files_first(node: BuildContext) -> None:
    cost = dict(keys_of(parse(MULTI), node).cost())
    assert cost["package.json"] == 7 and cost["src/index.js"] == 4
    assert list(cost)[:2] == ["package-lock.json", "package.json"]


def test_what_a_fix_won(node: BuildContext) -> None:
    from dockeropt.cachekeys import gain

    before = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n"
    after = "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n"
    assert gain(before, after, node.root) == (
        "  layers 3 -> 4; editing src/index.js re-runs 3 steps (RUN npm ci, npm run build) -> 2 steps (RUN npm run build)\n"
    )
    assert gain(before, before, node.root) == ""
    assert gain(before, after, None) == "  layers 3 -> 4\n"


def test_layers_count_the_shipped_stages_only(node: BuildContext) -> None:
    from dockeropt.cachekeys import layers

    assert layers(keys_of(parse(MULTI), node)) == 2  # the final stage's two copies; CMD makes no layer
