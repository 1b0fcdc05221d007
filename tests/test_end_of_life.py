from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dockeropt import engine
from dockeropt.cst import parse
from dockeropt.transforms import end_of_life
from dockeropt.transforms.base import Applicability, Context
from dockeropt.transforms.end_of_life import EndOfLifeBase

DATA = Path(end_of_life.__file__).parents[1] / "data"
SHARED_TAGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "official-image-tags.json"
TABLE = json.loads((DATA / "end-of-life.json").read_text())


def findings(text: str, **options: str) -> list:
    context = Context(options={"DO104": options} if options else {})
    return list(EndOfLifeBase().check(parse(text), context))


def suggested(text: str, **options: str) -> str:
    (found,) = findings(text, **options)
    assert found.fix is not None and found.fix.applicability is Applicability.SUGGESTION
    return engine.apply(text, [found.fix])


@pytest.mark.parametrize(
    ("before", "after"),
    (
        pytest.param("python:3.8", "python:3.11", id="python 3.8"),
        pytest.param("python:3.7-slim", "python:3.11-slim", id="python variant kept"),
        pytest.param("python:3.8.10-slim-buster", "python:3.11-slim-bookworm", id="python and debian both ended"),
        pytest.param("python:2", "python:3", id="a floating major stays floating"),
        pytest.param("python:3.10", "python:3.11", id="ended after the tag list was read"),
        pytest.param("node:14", "node:22", id="node 14"),
        pytest.param("node:16-alpine", "node:22-alpine", id="node 16 on alpine"),
        pytest.param("node:8.9-alpine", "node:22-alpine", id="a minor version of an ended major"),
        pytest.param("node:carbon", "node:jod", id="codename for codename"),
        pytest.param("node:lts-stretch", "node:lts-bookworm", id="only the distribution ended"),
        pytest.param("node:22-bullseye", "node:22-bookworm", id="bullseye past debian lts"),
        pytest.param("node:10-alpine3.9", "node:22-alpine3.23", id="the nearest alpine the image publishes"),
        pytest.param("debian:buster", "debian:bookworm", id="debian buster"),
        pytest.param("debian:stretch-slim", "debian:bookworm-slim", id="debian stretch slim"),
        pytest.param("debian:9.4-slim", "debian:12-slim", id="debian by number"),
        pytest.param("ubuntu:18.04", "ubuntu:22.04", id="ubuntu 18.04"),
        pytest.param("ubuntu:20.04", "ubuntu:22.04", id="ubuntu 20.04 past standard support"),
        pytest.param("ubuntu:xenial-20210416", "ubuntu:jammy", id="a build date is dropped"),
        pytest.param("ubuntu:14.04.3", "ubuntu:22.04", id="ubuntu point release"),
        pytest.param("alpine:3.17", "alpine:3.22", id="alpine before 3.18"),
        pytest.param("alpine:3.21", "alpine:3.22", id="alpine 3.21 ended on 2026-11-01"),
        pytest.param("golang:1.13-alpine", "golang:1.26-alpine", id="go"),
        pytest.param("golang:1.25", "golang:1.26", id="go without a day in the table"),
        pytest.param("ruby:2.6.1-alpine3.9", "ruby:3.3-alpine3.23", id="ruby on old alpine"),
        pytest.param("php:7.4-fpm-alpine", "php:8.2-fpm-alpine", id="php keeps its variant"),
        pytest.param("postgres:12-alpine", "postgres:15-alpine", id="postgres"),
        pytest.param("docker.io/library/python:3.6", "docker.io/library/python:3.11", id="spelling kept"),
        pytest.param("fedora:38", "fedora:43", id="fedora"),
        pytest.param("buildpack-deps:jessie-curl", "buildpack-deps:bookworm-curl", id="buildpack-deps on debian"),
        pytest.param("buildpack-deps:xenial", "buildpack-deps:jammy", id="buildpack-deps on ubuntu"),
    ),
)
def test_suggests_the_nearest_supported_tag(before: str, after: str) -> None:
    assert suggested(f"FROM {before} AS app\n") == f"FROM {after} AS app\n"


@pytest.mark.parametrize(
    "text",
    (
        pytest.param("FROM python:3.12\n", id="supported"),
        pytest.param("FROM python:3.11-slim-bookworm\n", id="supported on supported debian"),
        pytest.param("FROM python:3\n", id="floating major"),
        pytest.param("FROM python\n", id="no tag"),
        pytest.param("FROM node:lts-alpine\n", id="lts"),
        pytest.param("FROM alpine:edge\n", id="edge"),
        pytest.param("FROM debian:bookworm-backports\n", id="backports of a supported release"),
        pytest.param("FROM ubuntu:26.04\n", id="newest ubuntu"),
        pytest.param("FROM node:0.10\n", id="a release the table does not know"),
        pytest.param("FROM python:3.15-rc\n", id="newer than the table"),
        pytest.param("ARG V=16\nFROM node:${V}\n", id="variable"),
        pytest.param("FROM bitnami/node:16\n", id="not the official image"),
        pytest.param("FROM ghcr.io/library/node:16\n", id="another registry"),
        pytest.param("FROM openjdk:8\n", id="an image the table does not cover"),
        pytest.param("FROM scratch\n", id="scratch"),
        pytest.param("FROM python:3.12 AS node\nFROM node\n", id="a stage named like an image"),
    ),
)
def test_no_finding(text: str) -> None:
    assert findings(text) == []


def test_message_names_the_release_its_end_and_the_tag() -> None:
    (found,) = findings("FROM node:16-alpine\n")
    assert found.message == (
        "node:16-alpine: Node.js 16 reached end of life on 2023-09-11; the nearest supported tag is node:22-alpine"
    )


def test_message_names_every_ended_part_and_codenames() -> None:
    (found,) = findings("FROM python:3.6-slim-stretch\n")
    assert found.message == (
        "python:3.6-slim-stretch: Python 3.6 reached end of life on 2021-12-23 and Debian 9 (stretch) reached end"
        " of life on 2022-07-01; the nearest supported tag is python:3.11-slim-bookworm"
    )


def test_no_day_claimed_where_the_table_has_none() -> None:
    (found,) = findings("FROM golang:1.24\n")
    assert found.message == "golang:1.24: Go 1.24 reached end of life; the nearest supported tag is golang:1.26"


def test_every_stage_is_judged() -> None:
    text = "FROM node:14 AS web\nRUN npm ci\nFROM python:3.7\nCOPY --from=web /app /app\n"
    assert [(f.line, f.fix.edits[0].text) for f in findings(text)] == [(1, "node:22"), (3, "python:3.11")]


def test_digest_names_the_tag_without_an_edit() -> None:
    (found,) = findings("FROM python:3.8@sha256:" + "c" * 64 + "\n")
    assert found.fix is None and found.message.endswith("the nearest supported tag is python:3.11 (pin its digest)")


def test_reference_split_by_a_continuation_gets_no_edit() -> None:
    (found,) = findings("FROM node:1\\\n6\n")
    assert found.fix is None and "node:22" in found.message


def test_an_image_without_supported_tags_says_so() -> None:
    (found,) = findings("FROM centos:centos7\n")
    assert found.fix is None
    assert found.message == (
        "centos:centos7: CentOS Linux 7 (centos7) reached end of life on 2024-06-30;"
        " the centos image has no supported tag (almalinux or rockylinux continue it)"
    )


def test_no_published_tag_of_the_form_gives_no_edit() -> None:
    (found,) = findings("FROM python:3.6-windowsservercore-1809\n")
    assert found.fix is None and "publishes no supported tag of this form" in found.message


def test_judged_at_the_table_date_not_the_clock() -> None:
    assert TABLE["date"] == "2026-12-01"
    assert findings("FROM python:3.10\n")  # ended 2026-10-31, before the table's date
    assert findings("FROM php:8.2\n") == []  # ends 2026-12-31, after it


@pytest.mark.parametrize(
    ("date", "ended"),
    (("2026-10-30", False), ("2026-10-31", True), ("2027-01-01", True)),
)
def test_another_day_can_be_given(date: str, ended: bool) -> None:
    assert bool(findings("FROM python:3.10\n", date=date)) is ended


def test_a_toml_date_is_a_day() -> None:
    import datetime

    assert findings("FROM python:3.10\n", date=datetime.date(2026, 10, 30)) == []
    assert findings("FROM python:3.10\n", date=datetime.date(2026, 10, 31))


@pytest.mark.parametrize("date", ("tomorrow", "2026-12", 20261201))
def test_a_malformed_date_is_an_error(date: object) -> None:
    with pytest.raises(ValueError, match="DO104 date"):
        findings("FROM python:3.8\n", date=date)


def test_data_is_read_only_when_a_from_names_a_covered_image() -> None:
    end_of_life._table.cache_clear()
    end_of_life._supported.cache_clear()
    for text in ("FROM scratch\n", "FROM openjdk:8\n", "FROM ghcr.io/x/node:16\n", "FROM node:${V}\n", "FROM python\n"):
        findings(text)
    assert end_of_life._table.cache_info().currsize == 0
    findings("FROM python:3.12\n")
    assert end_of_life._table.cache_info().currsize == 1
    assert end_of_life._supported.cache_info().currsize == 0  # nothing ended: no tag looked up


def test_the_table_is_well_formed() -> None:
    assert set(TABLE["images"]) == end_of_life.IMAGES
    assert {p for products in TABLE["images"].values() for p in products} == set(TABLE["products"])
    for product, entry in TABLE["products"].items():
        assert entry["name"] and "endoflife.date" in entry["source"], product
        for cycle, eol in entry["cycles"].items():
            assert re.fullmatch(r"\d+(\.\d+)*", cycle), (product, cycle)
            assert eol is None or eol is True or re.fullmatch(r"\d{4}-\d{2}-\d{2}", eol), (product, cycle)
        assert set(entry.get("aliases", {}).values()) <= set(entry["cycles"]), product
        newest = max(entry["cycles"], key=end_of_life.key)
        assert product == "centos" or entry["cycles"][newest] is None, f"{product}: its newest release is supported"


@pytest.mark.parametrize("image", sorted(end_of_life.IMAGES))
def test_every_suggested_tag_is_published_and_supported(image: str) -> None:
    """Over every cycle and alias of the table: a suggestion names a published tag, and that
    tag has not ended itself."""
    products = [TABLE["products"][p] for p in TABLE["images"][image]]
    published = set(end_of_life.supported_tags(image))
    for name in [n for product in products for n in [*product["cycles"], *product.get("aliases", {})]]:
        for found in findings(f"FROM {image}:{name}\n"):
            if found.fix is not None:
                tag = found.fix.edits[0].text.partition(":")[2]
                assert tag in published
                assert findings(f"FROM {image}:{tag}\n") == [], (name, tag)


def test_shipped_tags_are_what_the_script_rebuilds() -> None:
    if not SHARED_TAGS.exists():
        pytest.skip(f"the full official tag list is absent ({SHARED_TAGS})")
    import importlib.util

    spec = importlib.util.spec_from_file_location("rebuild", DATA / "rebuild.py")
    rebuild = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rebuild)
    full = json.loads(SHARED_TAGS.read_text())
    shipped = json.loads((DATA / "supported-tags.json").read_text())
    assert shipped["commit"] == full["commit"]
    assert shipped["images"] == rebuild.supported_tags(full, TABLE)
