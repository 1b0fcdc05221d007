"""The ecosystem modules: each declares what the shell reader, DO102 manifests-first and the
cache rules (DO204, DO205, DO207) need, so that adding an ecosystem is writing its module and
listing it in ``dockeropt/ecosystems/__init__.py``."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import dockeropt.ecosystems as package
from dockeropt import engine, shell
from dockeropt.ecosystems import BY_NAME, BY_TOOL, CACHES, ECOSYSTEMS, NAMED
from dockeropt.ecosystems.base import Cache, Ecosystem
from dockeropt.transforms import by_code
from dockeropt.transforms.base import Applicability, Context
from dockeropt.transforms.cache_mounts import CacheMounts
from dockeropt.transforms.manifests_first import ManifestsFirst
from dockeropt.transforms.npm_cache import NpmCache

MODULES = [m.name for m in pkgutil.iter_modules(package.__path__) if m.name != "base"]


def _declared(module_name: str, kind: type) -> list:
    module = importlib.import_module(f"dockeropt.ecosystems.{module_name}")
    return [v for v in vars(module).values() if isinstance(v, kind)]


@pytest.mark.parametrize("module_name", MODULES)
def test_each_module_is_registered(module_name: str) -> None:
    declared = _declared(module_name, Ecosystem)
    assert declared, f"{module_name} declares no Ecosystem"
    missing = [e.name for e in declared if e not in ECOSYSTEMS]
    assert not missing, f"list {missing} in ECOSYSTEMS (dockeropt/ecosystems/__init__.py)"
    caches = {e.cache for e in declared if e.cache is not None}
    assert {c for c in _declared(module_name, Cache)} == caches, "each Cache belongs to its Ecosystem"


def test_names_and_programs_are_unique() -> None:
    assert len(BY_NAME) == len(ECOSYSTEMS)
    assert len(BY_TOOL) == sum(len(e.tools) for e in ECOSYSTEMS), "a program runs one ecosystem"
    assert len(NAMED) == sum(len(e.named) for e in ECOSYSTEMS)
    assert len({c.name for c in CACHES}) == len(CACHES)


@pytest.mark.parametrize("ecosystem", ECOSYSTEMS, ids=lambda e: e.name)
def test_read_knows_its_example(ecosystem: Ecosystem) -> None:
    [install] = shell.dependency_installs(ecosystem.example)
    assert install.ecosystem == ecosystem.name
    assert install.tool in ecosystem.tools
    assert install.from_manifests and install.manifests
    assert shell.dependency_installs(f"{ecosystem.tools[0]} help") == []


def _content(name: str) -> str:
    return "{}" if name.endswith(".json") else "<project/>" if name.endswith(".xml") else "x\n"


@pytest.mark.parametrize("ecosystem", ECOSYSTEMS, ids=lambda e: e.name)
def test_manifests_first_splits_each_ecosystem(tmp_path: Path, ecosystem: Ecosystem) -> None:
    """With its conventional manifests in the build context, DO102 copies them before the
    example install and the sources after it, or says why it never does."""
    [install] = shell.dependency_installs(ecosystem.example)
    manifests = ecosystem.guess if ecosystem.guess is not None else install.manifests
    assert (ecosystem.check is None) == bool(ecosystem.unsupported), "DO102 checks what it may split"
    context = tmp_path / "ctx"
    context.mkdir()
    for name in (*manifests, "src.txt"):
        if "*" not in name:
            (context / name).write_text(_content(name))
    dockerfile = f"FROM base\nWORKDIR /app\nCOPY . .\nRUN {ecosystem.example}\n"
    result = engine.run(dockerfile, Context(path=str(tmp_path / "Dockerfile"), build_context=context),
                        [ManifestsFirst()], fix=True)
    if ecosystem.unsupported:
        assert result.output == dockerfile
        assert [f.message for f in result.findings] == [
            f"`{ecosystem.example}` re-runs whenever any file changes; not rewritten: {ecosystem.unsupported}"]
        return
    assert result.output == (f"FROM base\nWORKDIR /app\nCOPY {' '.join(manifests)} ./\nRUN {ecosystem.example}\n"
                             "COPY . .\n")


@pytest.mark.parametrize("ecosystem", [e for e in ECOSYSTEMS if not e.unsupported], ids=lambda e: e.name)
def test_without_a_build_context_the_conventional_manifests_are_a_suggestion(ecosystem: Ecosystem) -> None:
    [install] = shell.dependency_installs(ecosystem.example)
    guess = ecosystem.guess if ecosystem.guess is not None else install.manifests
    assert set(guess) <= set(install.manifests), "the conventional manifests are among those the install reads"
    dockerfile = f"FROM base\nWORKDIR /app\nCOPY . .\nRUN {ecosystem.example}\n"
    [finding] = engine.run(dockerfile, Context(), [ManifestsFirst()]).findings
    assert finding.fix is not None and finding.fix.applicability is Applicability.SUGGESTION
    assert finding.fix.title == f"Copy {', '.join(guess)} before the install"


@pytest.mark.parametrize("ecosystem", [e for e in ECOSYSTEMS if e.cache is not None], ids=lambda e: e.name)
def test_manifests_first_keeps_the_cache_clean_up_with_the_install(tmp_path: Path, ecosystem: Ecosystem) -> None:
    cache = ecosystem.cache
    assert cache is not None and cache.cleanups and ecosystem.tools[0] in cache.fillers
    tool, subcommand = cache.cleanups[0]
    clean = " ".join([tool, subcommand, *cache.cleanup_verbs[:1]])
    [install] = shell.dependency_installs(ecosystem.example)
    manifests = ecosystem.guess if ecosystem.guess is not None else install.manifests
    context = tmp_path / "ctx"
    context.mkdir()
    for name in manifests:
        (context / name).write_text(_content(name))
    dockerfile = f"FROM base\nWORKDIR /app\nCOPY . .\nRUN {ecosystem.example} && make && {clean}\n"
    result = engine.run(dockerfile, Context(path=str(tmp_path / "Dockerfile"), build_context=context),
                        [ManifestsFirst()], fix=True)
    assert result.output == (f"FROM base\nWORKDIR /app\nCOPY {' '.join(manifests)} ./\n"
                             f"RUN {ecosystem.example} && {clean}\nCOPY . .\nRUN make\n")


def _entry(code: str):  # noqa: ANN202
    return by_code()[code]


@pytest.mark.parametrize("cache", [c for c in CACHES if c.clean], ids=lambda c: c.name)
def test_npm_cache_cleans_each_cache_with_a_clean_command(cache: Cache) -> None:
    assert any(word in cache.tool for word in _entry("DO205").words), "add the tool to DO205's trigger words"
    verb = sorted(v for v in cache.installs if v is not None)[0]
    text = f"FROM base\nRUN {cache.tool} {verb}\n"
    [finding] = engine.run(text, Context(), [NpmCache()]).findings
    assert finding.fix is not None and finding.fix.title == f"Clean with {cache.clean}"


@pytest.mark.parametrize("cache", [c for c in CACHES if c.paths], ids=lambda c: c.name)
def test_cache_mounts_suggests_a_mount_for_each_cache_with_a_folder(cache: Cache) -> None:
    assert any(word in cache.tool for word in _entry("DO207").words), "add the tool to DO207's trigger words"
    assert cache.clean or cache.no_cache_option, "DO207 says what the mount replaces"
    verb = sorted(v for v in cache.installs if v is not None)[0]
    text = f"FROM base\nRUN {cache.tool} {verb} x\n"
    [finding] = engine.run(text, Context(), [CacheMounts()]).findings
    assert finding.fix is not None and finding.fix.title == f"Add --mount=type=cache,target={cache.paths[0]}"


@pytest.mark.parametrize(
    "command, moves",
    [
        pytest.param("pip install flask", True, id="pip install NAME"),
        pytest.param("pip install -r requirements.txt", False, id="not pip install -r"),
        pytest.param("npm install -g typescript", True, id="npm install -g NAME"),
        pytest.param("pnpm add -g typescript", True, id="pnpm add -g NAME"),
        pytest.param("npm install -g ./tool", False, id="not npm install -g of a local path"),
        pytest.param("yarn global add typescript", True, id="yarn global add NAME"),
        pytest.param("gem install bundler", True, id="gem install NAME"),
        pytest.param("gem install ./x.gem", False, id="not gem install of a local .gem"),
    ],
)
def test_installs_by_name_move_above_the_sources(command: str, moves: bool) -> None:
    dockerfile = f"FROM base\nWORKDIR /app\nCOPY . .\nRUN {command}\n"
    findings = engine.run(dockerfile, Context(), [ManifestsFirst()]).findings
    moved = [f for f in findings if "move it above the COPY" in f.message]
    assert bool(moved) is moves, [f.message for f in findings]
