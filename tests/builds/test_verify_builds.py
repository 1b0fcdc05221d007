"""``dockeropt verify`` itself, on both builders (buildah, Docker's engine), and the real-build
cases of DO101, DO102 and the hygiene rules run through it: what users get is what CI proves.

Every test runs the command line in a new process (``python -m dockeropt verify``) on the
harness's base image, so no registry is involved.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_hygiene_builds import CASES as HYGIENE_CASES
from test_manifests_first_builds import CASES as DO102_CASES
from test_merge_run_builds import PROJECTS as MERGE_CASES

pytestmark = pytest.mark.builds

SAFE_AND_UNSAFE = 'FROM busybox\nRUN echo a > /a\nRUN echo b > /b\nCMD httpd -f -p 8080\n'


def write(context: Path, dockerfile: str) -> Path:
    path = context / "Dockerfile"
    path.write_text(dockerfile)
    return path


def test_same_image_exits_0(builder_name, make_context, hv):
    path = write(make_context({}), SAFE_AND_UNSAFE)
    status, out, err = hv.run_verify(path, builder_name)
    assert status == 0, out + err
    assert "same image: the filesystems and configs are identical\n" in out
    assert "DO101" in out and "DO214" not in out  # the unsafe fix is held back
    table = out.split("layers of the image as it is")[0]
    assert [line.split()[1:] for line in table.splitlines() if line.startswith("layers ")] == [["3", "2"]]


def test_different_config_exits_1_with_the_difference(builder_name, make_context, hv):
    path = write(make_context({}), SAFE_AND_UNSAFE)
    status, out, err = hv.run_verify(path, builder_name, "--unsafe-fixes")
    assert status == 1, out + err
    assert "different images: 1 difference:\n" in out
    assert '  Cmd: ["/bin/sh", "-c", "httpd -f -p 8080"] -> ["httpd", "-f", "-p", "8080"]\n' in out


def test_different_filesystem_exits_1_with_the_first_differences(builder_name, make_context, hv):
    # DO211's unsafe fix: COPY --chown also owns the folders COPY creates on the way
    path = write(make_context({"one.txt": "one\n"}),
                 "FROM busybox\nCOPY one.txt /x/y/z/\nRUN chown -R node:node /x/y/z\n")
    report = hv.verify_json(path, builder_name, "--unsafe-fixes")
    assert report["status"] == 1
    assert report["differences"] == ["/x: owner 0:0 -> 1000:1000", "/x/y: owner 0:0 -> 1000:1000"]


def test_removed_package_caches_are_listed_not_differences(builder_name, make_context, hv):
    dockerfile, files, _, _ = HYGIENE_CASES["apt-get"]
    path = write(make_context(files), dockerfile)
    status, out, err = hv.run_verify(path, builder_name)
    assert status == 0, out + err
    assert "except for the package caches the fixes remove:\n  /var/lib/apt/lists/*: 3 paths, 2 files" in out


def test_failing_build_exits_2_with_its_last_lines(builder_name, make_context, hv):
    path = write(make_context({}), "FROM busybox\nRUN echo a > /a\nRUN echo no-such-thing-here >&2 && false\n")
    status, out, err = hv.run_verify(path, builder_name)
    assert status == 2, out + err
    assert err.startswith("dockeropt verify: the build of the file as it is failed (exit 1)\nits last lines:\n")
    tail = err.split("its last lines:\n", 1)[1]
    assert "no-such-thing-here" in tail


def test_missing_base_image_is_not_pulled(builder_name, make_context, hv):
    path = write(make_context({}), "FROM dockeropt-not-here:1\nRUN echo a > /a\nRUN echo b > /b\n")
    status, out, err = hv.run_verify(path, builder_name)
    assert status == 2
    assert (f"dockeropt verify: {builder_name} does not have dockeropt-not-here:1: verify pulls nothing; "
            "pull or build the base images first\n") in err


def test_changed_file_reruns_the_install_only_as_it_is(builder_name, make_context, hv):
    dockerfile, files, source = DO102_CASES["npm"]
    context = make_context(files)
    report = hv.verify_json(write(context, dockerfile), builder_name, "--changed",
                                        str(context / source))
    assert report["status"] == 0, report
    assert report["changed"] == source
    assert "RUN npm ci" in report["before"]["rerun_after_change"]
    assert not [s for s in report["after"]["rerun_after_change"] if "npm ci" in s], report["after"]
    assert any("npm ci" in s for s in report["after"]["cached_after_change"])
    assert (context / source).read_text() == files[source]  # the user's context is left alone


CASES = {
    **{f"hygiene {name}": (case[0], case[1]) for name, case in HYGIENE_CASES.items()},
    **{f"DO101 {name}": case for name, case in MERGE_CASES.items()},
    **{f"DO102 {name}": case[:2] for name, case in DO102_CASES.items()},
}


@pytest.mark.parametrize("case", list(CASES))
def test_suite_case_verifies_the_same(builder_name, make_context, build_summary, hv, case):
    """Each build case of the suite, fixed with every rule as ``--fix`` does, verifies as the
    same image (as the case's own test shows with its one rule); the summary table at the
    end of the run gives the bytes on each side."""
    dockerfile, files = CASES[case]
    report = hv.verify_json(write(make_context(files), dockerfile), builder_name)
    assert report["status"] == 0, json.dumps(report, indent=1)[:3000]
    assert report["fixes"], "each case has something to fix"
    before, after = report["before"], report["after"]
    if case.startswith("hygiene"):  # the caches are gone
        assert report["caches_removed"] and after["bytes"] < before["bytes"]
    elif case.startswith("DO101"):
        assert after["layers"] < before["layers"]
    else:  # DO102 adds layers (the manifests' COPY, a split RUN): its gain is the cache (--changed)
        assert after["layers"] > before["layers"]
    build_summary.append({"case": f"verify {builder_name} {case}", "layers before": before["layers"],
                          "layers after": after["layers"], "bytes before": before["bytes"],
                          "bytes after": after["bytes"]})


@pytest.fixture
def hv(builder_name):  # noqa: ARG001 - the builder's base images must be ready
    import harness

    return harness
