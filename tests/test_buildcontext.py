"""The build context and .dockerignore, matched as BuildKit's patternmatcher does."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockeropt.buildcontext import BuildContext, ContextError, Ignore, keep_walks


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        pytest.param("node_modules", "node_modules/x/index.js", True, id="a folder excludes what is below it"),
        pytest.param("*.log", "a.log", True, id="star at the root"),
        pytest.param("*.log", "sub/a.log", False, id="star stays in one segment"),
        pytest.param("**/*.log", "sub/deep/a.log", True, id="double star crosses segments"),
        pytest.param("**/*.log", "a.log", True, id="double star matches no folder too"),
        pytest.param("*.md\n!README.md", "README.md", False, id="exception after a match"),
        pytest.param("!README.md\n*.md", "README.md", True, id="the last match decides"),
        pytest.param("/secret", "secret", True, id="a leading slash is dropped"),
        pytest.param("  build  ", "build/out", True, id="spaces are trimmed"),
        pytest.param("# comment\n", "# comment", False, id="comment lines"),
        pytest.param("a/../b", "b", True, id="patterns are cleaned"),
        pytest.param("doc?", "docs", True, id="question mark"),
        pytest.param("[a-c]x", "bx", True, id="character class"),
        pytest.param("dir\n!dir/keep", "dir/keep", False, id="an exception below an excluded folder"),
        pytest.param("\ufeffsecret", "secret", True, id="a byte order mark is dropped"),
    ],
)
def test_ignore_matches_as_buildkit(patterns: str, path: str, excluded: bool) -> None:
    assert Ignore.parse(patterns).excludes(path) is excluded


def test_a_pattern_outside_the_context_makes_the_file_unreadable() -> None:
    ignore = Ignore.parse("../x\n")
    with pytest.raises(ContextError):
        ignore.require()


def test_dockerfile_dockerignore_wins(tmp_path: Path) -> None:
    (tmp_path / "package-lock.json").write_text("{}")
    (tmp_path / ".dockerignore").write_text("")
    (tmp_path / "Dockerfile").write_text("FROM a\n")
    (tmp_path / "Dockerfile.dockerignore").write_text("package-lock.json\n")
    files = BuildContext.open(tmp_path, str(tmp_path / "Dockerfile"))
    assert files is not None
    assert files.exists("package-lock.json") and not files.sent("package-lock.json")
    assert BuildContext.open(tmp_path).sent("package-lock.json")


def test_files_matching_and_reads_once(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.js").write_text("x")
    (tmp_path / "src" / "app.test.js").write_text("y")
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / ".dockerignore").write_text("**/*.test.js\n")
    files = BuildContext.open(tmp_path)
    assert files.files() == (".dockerignore", "package.json", "src/app.js")
    assert files.matching("src") == ["src/app.js"]
    assert files.matching("*.json") == ["package.json"]
    assert files.matching(".") == list(files.files())
    assert files.read("package.json") == "{}"
    (tmp_path / "package.json").write_text("changed")
    assert files.read("package.json") == "{}"  # read once per run
    assert files.present("src") and not files.present("missing")


def test_no_folder_no_context(tmp_path: Path) -> None:
    assert BuildContext.open(None) is None
    assert BuildContext.open(tmp_path / "nope") is None


def test_files_of_one_run_share_a_folders_walk_until_a_file_is_written(tmp_path: Path) -> None:
    from dockeropt import buildcontext
    from dockeropt.runner import write_atomic

    (tmp_path / "a.txt").write_text("a")
    buildcontext.share_walks()
    try:
        first = BuildContext(str(tmp_path)).files()
        (tmp_path / "b.txt").write_text("b")  # not by dockeropt: the run goes on with its walk
        assert BuildContext(str(tmp_path)).files() is first
        (tmp_path / ".dockerignore").write_text("a.txt\n")  # other patterns: another walk
        assert BuildContext(str(tmp_path)).files() == (".dockerignore", "b.txt")
        write_atomic(tmp_path / "c.txt", "c", create=True)  # dockeropt writes: walk again
        (tmp_path / ".dockerignore").unlink()
        assert BuildContext(str(tmp_path)).files() == ("a.txt", "b.txt", "c.txt")
    finally:
        buildcontext.share_walks(False)
    assert buildcontext._walks is None  # off again: the language server never shares


@pytest.mark.parametrize("shared", [False, True])
def test_entries_of_a_glob_are_the_matches_at_its_own_depth(tmp_path: Path, shared: bool) -> None:
    from dockeropt import buildcontext

    for name in ("a.tar", "b.txt", "lib/c.tar", "lib/deep/d.tar", "other/e.tar"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "linked").symlink_to(tmp_path / "lib", target_is_directory=True)
    buildcontext.share_walks(shared)
    try:
        context = BuildContext(str(tmp_path))
        assert context.entries("*.tar") == ["a.tar"]
        assert context.entries("*/*.tar") == ["lib/c.tar", "other/e.tar"]  # not through the link
        assert context.entries("l*") == ["lib", "linked"]
        assert context.entries("*/*/*.tar") == ["lib/deep/d.tar"]
        assert context.entries("*/*/*/*") == []
        (tmp_path / "f.tar").write_text("x")
        assert BuildContext(str(tmp_path)).entries("*.tar") == (["a.tar"] if shared else ["a.tar", "f.tar"])
        buildcontext.forget_walks()  # what a write by dockeropt does
        assert BuildContext(str(tmp_path)).entries("*.tar") == ["a.tar", "f.tar"]
    finally:
        buildcontext.share_walks(False)


def test_rewriting_a_file_keeps_the_walk_and_forgets_its_size(tmp_path: Path) -> None:
    from dockeropt import buildcontext
    from dockeropt.runner import write_atomic

    (tmp_path / "Dockerfile").write_text("FROM a\n")
    (tmp_path / "b.txt").write_text("b")
    buildcontext.share_walks()
    try:
        context = BuildContext(str(tmp_path))
        walk = context.files()
        assert context.size("Dockerfile") == 7
        assert context.remembered("sum", lambda: 7 + 1, sized=True) == 8
        write_atomic(tmp_path / "Dockerfile", "FROM a AS b\n")  # --fix rewrites a Dockerfile of the folder
        again = BuildContext(str(tmp_path))
        assert again.files() is walk, "the names are the same: no walk again"
        assert again.size("Dockerfile") == 12
        assert again.remembered("sum", lambda: 12 + 1, sized=True) == 13, "what read the sizes is read again"
        write_atomic(tmp_path / "new.txt", "n", create=True)  # a new name: walk again
        assert BuildContext(str(tmp_path)).files() == ("Dockerfile", "b.txt", "new.txt")
    finally:
        buildcontext.share_walks(False)


_TREE = (
    "app.py", "node_modules/a/index.js", "node_modules/a/lib/x.js", "node_modules/.bin/a",
    "src/main.py", "src/gen/out.txt", "src/node_modules/b/b.js", "build/out/bin", "docs/a.md",
    "docs/keep/README.md", ".git/HEAD", "logs/a.log", "deep/x/y/z.log",
)


@pytest.mark.parametrize(
    "patterns",
    [
        pytest.param("node_modules\n.git\n", id="folders left out"),
        pytest.param("**/node_modules\nbuild/*\n", id="at any depth, and a folder's entries"),
        pytest.param("*\n", id="everything"),
        pytest.param("src/gen\n**/*.log\ndeep\n", id="nested folders and files"),
        pytest.param("docs\n!docs/keep/README.md\n", id="an exception below a left-out folder"),
        pytest.param("node_modules\n!node_modules/a/lib\n", id="an exception that brings back a folder"),
        pytest.param("", id="no patterns"),
    ],
)
def test_the_walk_sends_what_the_patterns_let_through(tmp_path: Path, patterns: str) -> None:
    """The walk does not go into a left-out folder when no exception could bring something
    back: the files it finds are those of checking every file of the folder."""
    for name in _TREE:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "src" / "link").symlink_to(tmp_path / "docs")
    (tmp_path / ".dockerignore").write_text(patterns)
    ignore = Ignore.parse(patterns)
    every = [*_TREE, ".dockerignore", "src/link"]
    expected = tuple(sorted(name for name in every if not ignore.excludes(name)))
    assert BuildContext(str(tmp_path)).files() == expected


@pytest.fixture
def kept_walks() -> Iterator[None]:
    keep_walks()
    try:
        yield
    finally:
        keep_walks(False)


def _age(folder: Path, seconds: int = 600) -> None:
    """Date every folder under ``folder`` back, as folders nobody touched for a while are."""
    then = time.time() - seconds
    for path in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        os.utime(path, (then, then))


def test_a_kept_walk_is_used_again_until_a_folder_changes(tmp_path: Path, kept_walks: None) -> None:
    for name in ("app.py", "src/main.py", "src/lib/util.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    _age(tmp_path)
    first = BuildContext(str(tmp_path)).files()
    assert BuildContext(str(tmp_path)).files() is first, "nothing changed: the walk is used again"
    (tmp_path / "src" / "lib" / "new.py").write_text("x")  # a change deep down
    second = BuildContext(str(tmp_path)).files()
    assert "src/lib/new.py" in second
    _age(tmp_path)
    assert BuildContext(str(tmp_path)).files() is BuildContext(str(tmp_path)).files()
    (tmp_path / "src" / "main.py").rename(tmp_path / "src" / "renamed.py")
    assert BuildContext(str(tmp_path)).files() == ("app.py", "src/lib/new.py", "src/lib/util.py", "src/renamed.py")


def test_a_walk_of_a_folder_that_just_changed_is_not_kept(tmp_path: Path, kept_walks: None) -> None:
    """A change in the same tick of the file system's clock would not show: walk again."""
    (tmp_path / "app.py").write_text("x")
    first = BuildContext(str(tmp_path)).files()
    assert BuildContext(str(tmp_path)).files() is not first
    assert BuildContext(str(tmp_path)).files() == first


def test_a_kept_walk_follows_the_ignore_file(tmp_path: Path, kept_walks: None) -> None:
    (tmp_path / "app.py").write_text("x")
    (tmp_path / "secret").write_text("x")
    _age(tmp_path)
    assert "secret" in BuildContext(str(tmp_path)).files()
    (tmp_path / ".dockerignore").write_text("secret\n")
    _age(tmp_path)  # the ignore file's own folder time is not what tells
    assert BuildContext(str(tmp_path)).files() == (".dockerignore", "app.py")
