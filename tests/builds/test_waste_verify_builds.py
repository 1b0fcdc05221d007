"""The waste fixes (DO105 copy-deleted, DO106 copy-chmod) proved on Docker's engine through
``dockeropt verify --builder docker``, as users run it: the file as written and as ``--fix``
writes it build to the same root filesystem and config, with fewer bytes.

tests/builds/test_waste_builds.py builds the same cases on buildah with the harness; here
the command line builds them on BuildKit (Docker's built-in frontend: verify leaves out a
``# syntax=`` whose frontend the engine does not have, and says so). The summary table at
the end of the run gives the bytes on each side.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_waste_builds import BLOB, archive

pytestmark = pytest.mark.builds

_SCRIPT = "#!/bin/sh\necho hi\n" + "#" * 40_000 + "\n"

#: name -> (Dockerfile, context files, --unsafe-fixes, the code whose fix it is, bytes it saves at least,
#: the differences verify reports: an unsafe fix may change the image, and these say how)
CASES = {
    "DO105 ADD for tar": (
        "FROM debian:bookworm-slim\n"
        "COPY app.tar.gz /tmp/\n"
        "RUN mkdir -p /opt/app \\\n    && tar -xzf /tmp/app.tar.gz -C /opt/app \\\n    && rm /tmp/app.tar.gz\n"
        "CMD [\"/opt/app/app/bin/run\"]\n",
        {"app.tar.gz": archive({"app/bin/run": b"#!/bin/sh\necho run\n", "app/data.bin": BLOB})},
        False, "DO105", len(BLOB), [],
    ),
    "DO105 bind mount": (
        "# syntax=docker/dockerfile:1\n"
        "FROM debian:bookworm-slim\n"
        "COPY payload/ /tmp/payload/\n"
        "RUN sh /tmp/payload/install.sh && rm -rf /tmp/payload\n",
        {"payload/install.sh": "#!/bin/sh\ncat /tmp/payload/data.bin | wc -c > /opt/size\n", "payload/data.bin": BLOB},
        True, "DO105", len(BLOB),
        # the mount point stays behind, empty, where the rm took the COPY's folder (on buildah too)
        ["added: /tmp/payload (dir 0755 0:0)"],
    ),
    "DO105 COPY to the mv target": (
        "FROM debian:bookworm-slim\nCOPY tool /tmp/\nRUN mv /tmp/tool /usr/local/bin/tool && tool\n",
        {"tool": (b"#!/bin/sh\necho 1.0\n" + b"#" * 50_000 + b"\n", 0o755)},
        True, "DO105", 50_000, [],
    ),
    "DO105 COPY and rm dropped": (
        "FROM debian:bookworm-slim\nCOPY big.bin /tmp/\nRUN rm /tmp/big.bin\nCMD [\"sh\"]\n",
        {"big.bin": BLOB},
        True, "DO105", len(BLOB), [],
    ),
    "DO106 chmod +x": (
        "FROM debian:bookworm-slim\nCOPY run.sh /usr/local/bin/\nRUN chmod +x /usr/local/bin/run.sh\n",
        {"run.sh": (_SCRIPT, 0o644)},
        True, "DO106", 40_000, [],
    ),
    "DO106 chmod u+x,g-r,o+r": (
        "FROM debian:bookworm-slim\nCOPY run.sh /usr/local/bin/\nRUN chmod u+x,g-r,o+r /usr/local/bin/run.sh\n",
        {"run.sh": (_SCRIPT, 0o640)},
        True, "DO106", 40_000, [],
    ),
    "DO106 chmod +w": (
        "FROM debian:bookworm-slim\nCOPY run.sh /usr/local/bin/\nRUN chmod +w /usr/local/bin/run.sh\n",
        {"run.sh": (_SCRIPT, 0o444)},
        True, "DO106", 40_000, [],
    ),
    "DO106 chmod 0750, declared syntax": (
        "# syntax=docker/dockerfile:1.2\n"
        "FROM debian:bookworm-slim\nCOPY run.sh /usr/local/bin/\nRUN chmod 0750 /usr/local/bin/run.sh\n",
        {"run.sh": (_SCRIPT, 0o600)},
        False, "DO106", 40_000, [],
    ),
}


@pytest.fixture
def hd(docker_base):  # noqa: ARG001 - Docker's engine answers and has the base images
    import harness

    return harness


@pytest.mark.parametrize("case", list(CASES))
def test_waste_fix_verifies_the_same_and_smaller_on_docker(hd, make_context, build_summary, case):
    dockerfile, files, unsafe, code, saved, differences = CASES[case]
    context = make_context(files)
    path = Path(context, "Dockerfile")
    path.write_text(dockerfile)
    report = hd.verify_json(path, "docker", *(["--unsafe-fixes"] if unsafe else []))
    assert (report["status"], report["differences"]) == (1 if differences else 0, differences), \
        json.dumps(report, indent=1)[:3000]
    assert any(code in json.dumps(fix) for fix in report["fixes"]), report["fixes"]
    before, after = report["before"], report["after"]
    assert before["bytes"] - after["bytes"] >= saved, (before, after)
    build_summary.append({"case": f"verify docker {case}", "layers before": before["layers"],
                          "layers after": after["layers"], "bytes before": before["bytes"],
                          "bytes after": after["bytes"]})
