from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockeropt import engine
from dockeropt.cst import parse
from dockeropt.transforms import smaller_base
from dockeropt.transforms.base import Applicability, Context
from dockeropt.transforms.smaller_base import SmallerBase

SHARED_TAGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "official-image-tags.json"
SHIPPED_TAGS = Path(smaller_base.__file__).parents[1] / "data" / "official-image-tags.json"


def findings(text: str, **options: str) -> list:
    context = Context(options={"DO103": options} if options else {})
    return list(SmallerBase().check(parse(text), context))


def suggested(text: str, **options: str) -> str:
    """The text after applying the one suggestion DO103 makes."""
    (found,) = findings(text, **options)
    assert found.fix is not None and found.fix.applicability is Applicability.SUGGESTION
    return engine.apply(text, [found.fix])


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    (
        pytest.param("FROM python:3.12\n", {}, "FROM python:3.12-slim\n", id="python to slim"),
        pytest.param(
            "FROM python:3.12\nRUN pip3 install flask\n",
            {"prefer": "alpine"},
            "FROM python:3.12-slim\nRUN pip3 install flask\n",
            id="pip install keeps glibc even when alpine is preferred",
        ),
        pytest.param(
            "FROM python:3.12\nRUN echo hi\n",
            {"prefer": "alpine"},
            "FROM python:3.12-alpine\nRUN echo hi\n",
            id="python without pip follows the preference",
        ),
        pytest.param(
            "FROM python:3.12\nRUN pip list\n",
            {"prefer": "alpine"},
            "FROM python:3.12-alpine\nRUN pip list\n",
            id="pip without install installs no wheels",
        ),
        pytest.param("FROM node:22\n", {}, "FROM node:22-slim\n", id="node to slim by default"),
        pytest.param("FROM node:22\n", {"prefer": "alpine"}, "FROM node:22-alpine\n", id="node to alpine on request"),
        pytest.param(
            "FROM node:22-bookworm\n", {}, "FROM node:22-bookworm-slim\n", id="slim placed as the image names it"
        ),
        pytest.param(
            "FROM python:3.12-bookworm\n", {}, "FROM python:3.12-slim-bookworm\n", id="python names slim first"
        ),
        pytest.param("FROM golang:1.26\n", {}, "FROM golang:1.26-alpine\n", id="no slim falls back to alpine"),
        pytest.param(
            "FROM node:22\nRUN apt-get update\n",
            {"prefer": "alpine"},
            "FROM node:22-slim\nRUN apt-get update\n",
            id="apt-get keeps debian",
        ),
        pytest.param(
            'FROM node:22\nRUN ["/bin/sh", "-c", "apt-get update"]\n',
            {"prefer": "alpine"},
            'FROM node:22-slim\nRUN ["/bin/sh", "-c", "apt-get update"]\n',
            id="apt-get in exec form",
        ),
        pytest.param(
            "FROM node:22\nRUN <<EOF\nsudo apt-get update\nEOF\n",
            {"prefer": "alpine"},
            "FROM node:22-slim\nRUN <<EOF\nsudo apt-get update\nEOF\n",
            id="apt-get in a heredoc",
        ),
        pytest.param(
            "FROM node:22\nRUN apk add --no-cache git\n",
            {},
            "FROM node:22-alpine\nRUN apk add --no-cache git\n",
            id="apk needs alpine",
        ),
        pytest.param("FROM python\n", {}, "FROM python:slim\n", id="no tag is latest"),
        pytest.param("FROM nginx:latest\n", {}, "FROM nginx:alpine\n", id="latest to the floating variant"),
        pytest.param("FROM library/node:22\n", {}, "FROM library/node:22-slim\n", id="library namespace kept"),
        pytest.param("FROM docker.io/node:22\n", {}, "FROM docker.io/node:22-slim\n", id="docker.io registry kept"),
        pytest.param(
            "FROM --platform=$BUILDPLATFORM node:22 AS web\n",
            {},
            "FROM --platform=$BUILDPLATFORM node:22-slim AS web\n",
            id="platform and stage name kept",
        ),
        pytest.param(
            "FROM python:3.12 AS base\nFROM base AS app\nFROM app\n",
            {},
            "FROM python:3.12-slim AS base\nFROM base AS app\nFROM app\n",
            id="final stage followed through two stages",
        ),
        pytest.param(
            "FROM python:3.12 AS base\nFROM base AS build\nRUN apt-get install -y gcc\nFROM base\n",
            {"prefer": "alpine"},
            "FROM python:3.12-slim AS base\nFROM base AS build\nRUN apt-get install -y gcc\nFROM base\n",
            id="a builder on the same base must keep working",
        ),
        pytest.param(
            "FROM python:3.12 AS build\nRUN pip install -r r.txt\nFROM python:3.12\nCOPY --from=0 /venv /venv\n",
            {"prefer": "alpine"},
            "FROM python:3.12 AS build\nRUN pip install -r r.txt\nFROM python:3.12-slim\nCOPY --from=0 /venv /venv\n",
            id="wheels copied by stage index",
        ),
    ),
)
def test_suggests(text: str, options: dict, expected: str) -> None:
    assert suggested(text, **options) == expected


@pytest.mark.parametrize(
    "text",
    (
        pytest.param("FROM python:3.12-slim\n", id="already slim"),
        pytest.param("FROM python:3.12-alpine\n", id="already alpine"),
        pytest.param("FROM node:22-alpine3.23\n", id="already alpine with a version"),
        pytest.param("FROM eclipse-temurin:21-jre-ubi9-minimal\n", id="already minimal"),
        pytest.param("FROM scratch\n", id="scratch"),
        pytest.param("FROM gcr.io/distroless/python3\n", id="distroless"),
        pytest.param("FROM bitnami/python:3.12\n", id="a namespace is not the official image"),
        pytest.param("FROM ghcr.io/library/python:3.12\n", id="library on another registry"),
        pytest.param("FROM localhost:5000/python:3.12\n", id="a registry with a port"),
        pytest.param("ARG PY=3.12\nFROM python:${PY}\n", id="tag from an ARG"),
        pytest.param("ARG BASE=python:3.12\nFROM $BASE\n", id="whole reference from an ARG"),
        pytest.param("FROM python@sha256:" + "a" * 64 + "\n", id="digest without a tag names no variant"),
        pytest.param("FROM python:3.6\n", id="version no longer in the official list"),
        pytest.param("FROM postgres:17-bookworm\n", id="distribution tag without a variant of it"),
        pytest.param("FROM ubuntu:24.04\n", id="image without variants"),
        pytest.param("FROM python:3.12-windowsservercore\n", id="windows tag"),
        pytest.param("FROM nginx:1.31\nRUN apt-get update\n", id="apt-get where only alpine exists"),
        pytest.param("FROM golang:1.26\nRUN pip install x\n", id="pip where only alpine exists"),
        pytest.param("FROM oraclelinux:9\nRUN yum install -y nginx\n", id="yum fits neither variant"),
        pytest.param("FROM python:3.12\nRUN apt-get update && apk add git\n", id="apt-get and apk fit no variant"),
        pytest.param("FROM python:3.12 AS build\nFROM gcr.io/distroless/python3\n", id="builder base does not ship"),
        pytest.param("FROM python:3.12 AS build\nFROM build:latest\n", id="a tagged name is an image, not a stage"),
        pytest.param("FROM erlang:27\nCOPY . /src\nRUN make -C /src\n", id="compiling needs the full toolchain"),
        pytest.param(
            "FROM python:3.12 AS base\nFROM base AS ext\nRUN gcc -O2 -shared -o ext.so ext.c\nFROM base\n",
            id="a stage on the same base compiles",
        ),
        pytest.param("FROM golang:1.26\nENV DEBIAN_FRONTEND=noninteractive\nRUN ./setup.sh\n", id="DEBIAN_FRONTEND"),
        pytest.param("ARG X=1\n", id="no FROM"),
    ),
)
def test_no_finding(text: str) -> None:
    assert findings(text) == []


def test_digest_gives_a_finding_without_an_edit() -> None:
    (found,) = findings("FROM node:22@sha256:" + "b" * 64 + "\n")
    assert found.fix is None
    assert "node:22-slim" in found.message and "digest" in found.message


def test_reference_split_by_a_continuation_gets_no_edit() -> None:
    (found,) = findings("FROM python:3.\\\n12\n")
    assert found.fix is None and "python:3.12-slim" in found.message


def test_finding_points_at_the_image() -> None:
    (found,) = findings("ARG X=1\n\nFROM --platform=linux/arm64 node:22\n")
    assert (found.line, found.column) == (3, 29)
    assert "musl" not in found.message


def test_alpine_warns_about_musl() -> None:
    (found,) = findings("FROM node:22\n", prefer="alpine")
    assert "musl" in found.message


def test_unknown_preference_is_an_error() -> None:
    with pytest.raises(ValueError, match="prefer"):
        findings("FROM node:22\n", prefer="tiny")


def test_tags_are_read_only_when_a_from_could_match() -> None:
    smaller_base._official_tags.cache_clear()
    smaller_base.siblings.cache_clear()
    for text in ("FROM scratch\n", "FROM ghcr.io/x/y:1\n", "FROM python:3.12-slim\n", "FROM python:${V}\n"):
        findings(text)
    assert smaller_base._official_tags.cache_info().currsize == 0
    findings("FROM python:3.12\n")
    assert smaller_base._official_tags.cache_info().currsize == 1


def test_shipped_tags_are_the_official_list_reduced() -> None:
    """The shipped file keeps exactly the variants that have a plain sibling tag."""
    if not SHARED_TAGS.exists():
        pytest.skip(f"the full official tag list is absent ({SHARED_TAGS})")
    full = json.loads(SHARED_TAGS.read_text())
    shipped = json.loads(SHIPPED_TAGS.read_text())
    assert (shipped["commit"], shipped["source"]) == (full["commit"], full["source"])
    expected = {}
    for image, tags in full["images"].items():
        variants = sorted(t for t in tags if _variant_of(t, set(tags)))
        if variants:
            expected[image] = variants
    assert shipped["images"] == expected


def _variant_of(tag: str, tags: set[str]) -> bool:
    parts = tag.split("-")
    for kind in smaller_base.KINDS:
        rest = [p for p in parts if p != kind]
        base = "-".join(rest) or "latest"
        if len(rest) == len(parts) - 1 and base in tags and not smaller_base.is_small(base):
            return True
    return False


REBUILD = Path(smaller_base.__file__).parents[1] / "data" / "rebuild.py"
SHARED = SHARED_TAGS.parent


def message(text: str, **options: str) -> str:
    (found,) = findings(text, **options)
    return found.message


def test_sizes_on_disk_for_both_tags() -> None:
    assert message("FROM python:3.12\n") == (
        "the final image's base python:3.12 (1.1 GB on disk) has a smaller variant: python:3.12-slim (119 MB)"
    )


def test_compressed_sizes_when_one_tag_has_no_size_on_disk() -> None:
    assert message("FROM python:3.12\n", prefer="alpine").startswith(
        "the final image's base python:3.12 (411 MB compressed) has a smaller variant: python:3.12-alpine (18 MB); "
    )


@pytest.mark.parametrize(
    "text",
    (
        pytest.param("FROM python:3.10\n", id="neither tag in the data"),
        pytest.param("FROM nginx:1.31\n", id="neither tag of another image in the data"),
        pytest.param("FROM node:22-bookworm\n", id="the variant is not in the data"),
    ),
)
def test_no_size_claimed_where_the_data_has_none(text: str) -> None:
    found = message(text)
    assert "MB" not in found and "GB" not in found and "compressed" not in found and "on disk" not in found


def test_no_size_claimed_when_the_numbers_do_not_show_the_variant_smaller(monkeypatch: pytest.MonkeyPatch) -> None:
    # on disk says larger: the first measure both have decides, and no other is tried
    monkeypatch.setattr(smaller_base, "_sizes", lambda: {"python": {"3.12": [10**8, 2 * 10**8], "3.12-slim": [9 * 10**7, 3 * 10**8]}})
    assert message("FROM python:3.12\n") == "the final image's base python:3.12 has a smaller variant: python:3.12-slim"
    monkeypatch.setattr(smaller_base, "_sizes", lambda: {"python": {"3.12": [10**8, 2 * 10**8], "3.12-slim": [2 * 10**8, None]}})
    assert message("FROM python:3.12\n") == "the final image's base python:3.12 has a smaller variant: python:3.12-slim"


@pytest.mark.parametrize(
    ("size", "text"),
    (
        (1_110_000_000, "1.1 GB"),
        (1_000_000_000, "1.0 GB"),
        (999_999_999, "1000 MB"),
        (119_200_000, "119 MB"),
        (10_000_000, "10 MB"),
        (5_741_686, "5.7 MB"),
        (886_160, "886 kB"),
    ),
)
def test_sizes_in_decimal_units(size: int, text: str) -> None:
    assert smaller_base.human(size) == text


@pytest.mark.parametrize(
    ("text", "options", "reason"),
    (
        pytest.param(
            "FROM python:3.12\nRUN pip install flask\n",
            {"prefer": "alpine"},
            "; not -alpine: the stages on it run pip install, and most prebuilt wheels need glibc",
            id="pip install",
        ),
        pytest.param(
            "FROM python:3.12 AS build\nRUN pip install -r r.txt\nFROM python:3.12\nCOPY --from=build /venv /venv\n",
            {"prefer": "alpine"},
            "; not -alpine: it copies from a stage that runs pip install, and most prebuilt wheels need glibc",
            id="pip install in a stage copied from",
        ),
        pytest.param(
            "FROM node:22\nRUN apt-get update\n",
            {"prefer": "alpine"},
            "; not -alpine: the stages on it run apt-get, which needs Debian",
            id="apt-get",
        ),
        pytest.param(
            "FROM node:22\nENV DEBIAN_FRONTEND=noninteractive\nRUN ./setup.sh\n",
            {"prefer": "alpine"},
            "; not -alpine: the stages on it set DEBIAN_FRONTEND, for apt-get",
            id="DEBIAN_FRONTEND",
        ),
        pytest.param(
            "FROM node:22\nRUN apk add git\n", {}, "; not -slim: the stages on it run apk, which needs Alpine", id="apk"
        ),
        pytest.param("FROM golang:1.26\n", {}, "; there is no -slim variant of golang:1.26", id="no slim variant"),
        pytest.param("FROM rust\n", {"prefer": "alpine"}, None, id="rust has both: the preference is followed"),
    ),
)
def test_a_refused_preference_says_why(text: str, options: dict, reason: str | None) -> None:
    found = message(text, **options)
    if reason is None:
        assert "not -" not in found and "there is no" not in found
    else:
        assert reason in found


def test_no_reason_when_the_preference_is_followed() -> None:
    assert "not -" not in message("FROM python:3.12\nRUN echo hi\n", prefer="alpine")
    assert "not -" not in message("FROM python:3.12\n")


@pytest.mark.parametrize(
    ("text", "caveat"),
    (
        pytest.param("FROM postgres:17\n", smaller_base.ALPINE_CAVEATS["postgres"], id="a database: collation"),
        pytest.param("FROM python:3.12\nRUN echo\n", smaller_base.ALPINE_CAVEATS["python"], id="python: wheels"),
        pytest.param("FROM node:22\nRUN apk add git\n", smaller_base.ALPINE_CAVEATS["node"], id="node: addons"),
        pytest.param("FROM nginx:1.31\n", smaller_base.ALPINE_CAVEAT, id="any other image: musl"),
    ),
)
def test_alpine_caveat_fits_the_image(text: str, caveat: str) -> None:
    assert message(text, prefer="alpine").endswith("; " + caveat)


def test_database_caveat_is_about_collation_not_only_libc() -> None:
    found = message("FROM postgres:17\n")
    assert "collates" in found and "REINDEX" in found and "locales" in found


def test_slim_has_no_alpine_caveat() -> None:
    found = message("FROM python:3.12\n")
    assert "musl" not in found and "Alpine" not in found


def test_sizes_are_read_only_when_a_from_could_match() -> None:
    smaller_base._sizes.cache_clear()
    for text in ("FROM scratch\n", "FROM python:3.12-slim\n", "FROM python:${V}\n", "FROM python:3.6\n"):
        findings(text)
    assert smaller_base._sizes.cache_info().currsize == 0
    findings("FROM python:3.12\n")
    assert smaller_base._sizes.cache_info().currsize == 1


def _rebuild():  # noqa: ANN202
    import importlib.util

    spec = importlib.util.spec_from_file_location("rebuild", REBUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_sizes_are_what_the_script_rebuilds() -> None:
    if not (SHARED / "image-sizes.json").exists():
        pytest.skip(f"the measured sizes are absent ({SHARED})")
    rebuild = _rebuild()
    full = json.loads(SHARED_TAGS.read_text())
    measured = json.loads((SHARED / "image-sizes.json").read_text())
    shipped = json.loads((SHIPPED_TAGS.parent / "image-sizes.json").read_text())
    assert shipped["read_on"] == measured["read_on"] == "2026-12-01"
    assert shipped["images"] == rebuild.sizes(measured, full, rebuild.variants(full))
    assert rebuild.variants(full) == json.loads(SHIPPED_TAGS.read_text())["images"]


def test_shipped_sizes_cover_only_tags_do103_can_name() -> None:
    sizes = json.loads((SHIPPED_TAGS.parent / "image-sizes.json").read_text())["images"]
    for image, tags in sizes.items():
        named = set(smaller_base.siblings(image)) | {t for v in smaller_base.siblings(image).values() for t in v.values()}
        assert set(tags) <= named, image
        for compressed, disk in tags.values():
            assert compressed > 0 and (disk is None or disk > compressed)
