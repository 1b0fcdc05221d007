"""Self-tests of the real-build harness: each of these must be able to fail."""

from __future__ import annotations

import pytest

import harness

pytestmark = pytest.mark.builds


# ---------------------------------------------------------------- no buildah needed

CANNED_LOG = """\
[1/2] STEP 1/3: FROM golang:1.22 AS build
[1/2] STEP 2/3: COPY go.mod .
--> Using cache 0123abcd
--> 0123abcd
[1/2] STEP 3/3: RUN go build -o /out/app .
some output
--> 4567ef01
[2/2] STEP 1/2: FROM alpine:3.19
[2/2] STEP 2/2: COPY --from=build /out/app /app
COMMIT x
--> 89ab
"""


def test_parse_steps_multistage():
    steps = harness.parse_steps(CANNED_LOG)
    assert [(s.stage, s.index, s.keyword, s.cached) for s in steps] == [
        (1, 1, "FROM", False), (1, 2, "COPY", True), (1, 3, "RUN", False),
        (2, 1, "FROM", False), (2, 2, "COPY", False)]
    img = harness.Image(tag="x", id="y", log=CANNED_LOG, steps=steps)
    assert [s.instruction for s in img.rerun] == ["RUN go build -o /out/app .", "COPY --from=build /out/app /app"]


def test_diff_rootfs_on_dicts_and_ignore():
    E = harness.Entry
    a = {"/a": E(0o644, 0, 0, "file", "h1", 1), "/root/.npm": E(0o755, 0, 0, "dir", None),
         "/root/.npm/x": E(0o644, 0, 0, "file", "h2", 4)}
    b = {"/a": E(0o600, 1, 1, "file", "h9", 2)}
    assert harness.diff_rootfs(a, b) == [
        "/a: mode 0644 -> 0600", "/a: owner 0:0 -> 1:1", "/a: content differs (1 -> 2 bytes)",
        "removed: /root/.npm (dir 0755 0:0)", "removed: /root/.npm/x (file 0644 0:0)"]
    assert harness.diff_rootfs(a, b, ignore=["/root/.npm"]) == harness.diff_rootfs(a, b)[:3]
    assert harness.diff_rootfs(a, a) == []


def test_print_table(capsys):
    text = harness.print_table([{"case": "node", "layers before": 7, "bytes before": 1234567},
                                {"case": "python", "layers before": 12, "bytes before": 5}])
    assert capsys.readouterr().out.strip() == text.strip()
    lines = text.splitlines()
    assert lines[0].split() == ["case", "layers", "before", "bytes", "before"]
    assert "1,234,567" in lines[2] and lines[3].endswith("5")


# ---------------------------------------------------------------- real builds

APP = {"dep.txt": "dependency manifest\n", "src/main.txt": "main v1\n", "src/util.txt": "util\n"}
CACHE_DF = """\
FROM busybox
RUN echo one > /one
COPY dep.txt /app/
RUN cat /app/dep.txt > /app/dep.out
COPY src/ /app/src/
RUN ls /app/src > /app/listing
"""


def test_identical_builds_compare_equal(bh, make_context):
    df = """\
FROM node:20
WORKDIR /app
COPY package.json package-lock.json requirements.txt more.txt ./
RUN npm ci && pip install -r requirements.txt
COPY . .
RUN npm run build
ENV NODE_ENV=production
CMD ["node", "dist/main.js"]
"""
    files = {"package.json": '{"name": "a", "scripts": {"build": "mkdir -p dist && cp src/* dist/"},\n'
                             ' "dependencies": {"express": "4", "lodash": "4.17"}}\n',
             "package-lock.json": "{}\n", "requirements.txt": "flask==3.0\n-r more.txt\n",
             "more.txt": "requests>=2  # comment\n", "src/main.js": "console.log(1)\n"}
    a = bh.build(make_context(files), df, "harness-same-a")
    # --no-cache re-executes every step: stand-ins must be deterministic for this to hold.
    b = bh.build(make_context(files), df, "harness-same-b", extra_args=["--no-cache"])
    assert not b.cache_hits
    assert bh.diff_rootfs(a, b) == []
    assert bh.diff_config(a, b) == []
    fs = a.rootfs()
    for p in ["/app/node_modules/express/index.js", "/app/node_modules/lodash/index.js", "/app/dist/main.js",
              "/usr/local/lib/python3/site-packages/flask/__init__.py",
              "/usr/local/lib/python3/site-packages/requests/__init__.py"]:
        assert fs[p].kind == "file", p
    assert any(p.startswith("/root/.npm/_cacache/") for p in fs)
    assert any(p.startswith("/root/.cache/pip/") for p in fs)
    assert a.layers == b.layers == 5  # base + WORKDIR-less: COPY, RUN, COPY, RUN


@pytest.mark.parametrize("change, expected", [
    ("RUN touch /extra", ["added: /extra (file 0644 0:0)"]),
    ("RUN chmod 0600 /data/f", ["/data/f: mode 0644 -> 0600"]),
    ("RUN chown 1000:1000 /data/f", ["/data/f: owner 0:0 -> 1000:1000"]),
    ("RUN echo changed > /data/f", ["/data/f: content differs (2 -> 8 bytes)"]),
    ("RUN rm /data/f", ["removed: /data/f (file 0644 0:0)"]),
    ("RUN ln -s /bin/sh /data/f2", ["added: /data/f2 (symlink 0777 0:0)"]),
])
def test_rootfs_differences_are_detected(bh, make_context, change, expected):
    base_df = "FROM debian:bookworm\nRUN mkdir /data && echo x > /data/f\n"
    ctx = make_context({})
    a = bh.build(ctx, base_df, "harness-diff-a")
    b = bh.build(ctx, base_df + change + "\n", "harness-diff-b")
    assert bh.diff_rootfs(a, b) == expected
    assert bh.diff_rootfs(a, b, ignore=["/data*", "/extra"]) == []
    assert bh.diff_config(a, b) == []


@pytest.mark.parametrize("change, expected", [
    ("ENV A=2", ["Env: A=1 -> A=2"]),
    ("ENV B=1", ["Env: added B=1"]),
    ("USER node", ['User: null -> "node"']),
    ("WORKDIR /srv", ['WorkingDir: null -> "/srv"']),
    ("EXPOSE 8080", ['ExposedPorts: null -> {"8080/tcp": {}}']),
    ("LABEL x=y", ['Labels: added x=y']),
    ('CMD ["sh", "-c", "true"]', ['Cmd: ["sh"] -> ["sh", "-c", "true"]']),
    ('ENTRYPOINT ["/bin/sh"]', ['Cmd: ["sh"] -> null', 'Entrypoint: null -> ["/bin/sh"]']),
    ("HEALTHCHECK CMD true", ['Healthcheck: null -> {"Test": ["CMD-SHELL", "true"]}']),
    ("STOPSIGNAL SIGINT", ['StopSignal: null -> "SIGINT"']),
    ("VOLUME /v", ['Volumes: null -> {"/v": {}}']),
])
def test_config_differences_are_detected(bh, make_context, change, expected):
    df = "FROM alpine:3.19\nENV A=1\n"
    ctx = make_context({})
    a = bh.build(ctx, df, "harness-cfg-a")
    b = bh.build(ctx, df + change + "\n", "harness-cfg-b")
    assert bh.diff_config(a, b) == expected
    assert bh.diff_rootfs(a, b) == []


def test_edit_reruns_copy_and_later_steps_only(bh, make_context):
    ctx = make_context(APP)

    def edit(root):
        (root / "src" / "main.txt").write_text("main v2\n")

    r = bh.rebuild_after_edit(ctx, CACHE_DF, "harness-edit", edit)
    assert not r.first.cache_hits  # private store: first build is cold
    assert r.rerun_instructions() == ["COPY src/ /app/src/", "RUN ls /app/src > /app/listing"]
    assert [s.instruction for s in r.cache_hits] == [
        "RUN echo one > /one", "COPY dep.txt /app/", "RUN cat /app/dep.txt > /app/dep.out"]
    assert r.first.layers == r.second.layers == 6


def test_edit_of_manifest_reruns_from_its_copy(bh, make_context):
    ctx = make_context(APP)
    r = bh.rebuild_after_edit(ctx, CACHE_DF, "harness-edit-dep",
                              lambda root: (root / "dep.txt").write_text("changed\n"))
    assert r.rerun_count == 4
    assert r.rerun[0].instruction == "COPY dep.txt /app/"


def test_touch_only_is_a_cache_hit(bh, make_context):
    """buildah's COPY cache is content based (like BuildKit): mtime alone changes nothing."""
    import os
    ctx = make_context(APP)
    r = bh.rebuild_after_edit(ctx, CACHE_DF, "harness-touch",
                              lambda root: os.utime(root / "src" / "main.txt", (1, 1)))
    assert r.rerun == []


def test_apt_get_needs_update_and_yes(bh, make_context):
    ctx = make_context({})
    with pytest.raises(bh.BuildError, match="Unable to locate package curl"):
        bh.build(ctx, "FROM debian:bookworm\nRUN apt-get install -y curl\n", "harness-apt-fail")
    with pytest.raises(bh.BuildError, match="Abort"):
        bh.build(ctx, "FROM debian:bookworm\nRUN apt-get update && apt-get install curl\n", "harness-apt-noy")
    dirty = bh.build(ctx, "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n"
                          "RUN rm -rf /var/lib/apt/lists/*\n", "harness-apt-dirty")
    clean = bh.build(ctx, "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl \\\n"
                          " && apt-get clean && rm -rf /var/lib/apt/lists/*\n", "harness-apt-clean")
    fs = dirty.rootfs()
    assert fs["/usr/share/doc/curl/copyright"].kind == "file"
    assert "/var/cache/apt/archives/curl.deb" in fs
    assert bh.diff_rootfs(dirty, clean) == ["removed: /var/cache/apt/archives/curl.deb (file 0644 0:0)"]
    assert bh.diff_rootfs(dirty, clean, ignore=["/var/cache/apt/archives/*"]) == []
    # Lists deleted in a later layer still cost bytes; deleting them in the same RUN does not.
    assert dirty.layers == clean.layers + 1
    assert dirty.size_bytes > clean.size_bytes + 2 * 16384


def test_layer_counts(bh, make_context):
    ctx = make_context({"a.txt": "a\n"})
    base = bh.build(ctx, "FROM busybox\n", "harness-layers-0")
    assert base.layers == 1
    split = bh.build(ctx, "FROM busybox\nWORKDIR /w\nRUN echo 1 > x\nRUN echo 2 > y\nCOPY a.txt .\n"
                          "ENV A=1\nLABEL l=1\nUSER 1000\n", "harness-layers-split")
    merged = bh.build(ctx, "FROM busybox\nWORKDIR /w\nRUN echo 1 > x && echo 2 > y\nCOPY a.txt .\n"
                           "ENV A=1\nLABEL l=1\nUSER 1000\n", "harness-layers-merged")
    assert split.layers == 4
    assert merged.layers == 3
    assert bh.diff_rootfs(split, merged) == []
    assert bh.diff_config(split, merged) == []
    assert len(split.layer_sizes) == 4 and all(s > 0 for s in split.layer_sizes)


def test_standin_package_tools(bh, make_context):
    ctx = make_context({
        "package.json": '{"name": "x", "dependencies": {"left-pad": "1"}, "devDependencies": {"jest": "29"}}',
        "go.mod": "module example.com/svc\n\ngo 1.22\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n)\n",
        "main.go": "package main\nfunc main() {}\n",
        "Gemfile": "source 'https://rubygems.org'\ngem 'rack'\ngem \"puma\", '~> 6'\n",
        "composer.json": '{"require": {"php": ">=8.1", "monolog/monolog": "^3"}}',
        "pyproject.toml": '[project]\nname = "mypkg"\n',
    })
    with pytest.raises(bh.BuildError, match="package-lock.json"):
        bh.build(ctx, "FROM node:20\nWORKDIR /app\nCOPY package.json .\nRUN npm ci\n", "harness-npm-ci")
    with pytest.raises(bh.BuildError, match="not installable"):
        bh.build(ctx, "FROM python:3.12\nWORKDIR /w\nRUN pip install .\n", "harness-pip-dot")
    img = bh.build(ctx, """\
FROM golang:1.22
WORKDIR /src
COPY . .
RUN npm install --omit=dev && npm cache clean --force
RUN go mod download && go build -o /out/svc ./...
RUN bundle install && composer install --no-dev
RUN pip install --no-cache-dir . && PIP_NO_CACHE_DIR=1 pip install six
RUN apk add --no-cache git && dnf install -y make && dnf clean all && yarn install --production && pnpm install --prod
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir attrs
RUN useradd -m -u 1001 app && grep -q '^app:x:1001:1001' /etc/passwd
""", "harness-standins")
    fs = img.rootfs()
    present = ["/src/node_modules/left-pad/index.js", "/src/package-lock.json", "/go/pkg/mod/github.com/pkg/errors@v0.9.1/go.mod",
               "/out/svc", "/usr/local/bundle/gems/rack/lib/rack.rb", "/usr/local/bundle/gems/puma/lib/puma.rb",
               "/src/vendor/monolog/monolog/composer.json", "/src/vendor/autoload.php",
               "/usr/local/lib/python3/site-packages/mypkg/__init__.py", "/usr/local/lib/python3/site-packages/six/__init__.py",
               "/lib/apk/db/packages/git", "/usr/share/doc/make/LICENSE", "/src/yarn.lock", "/src/pnpm-lock.yaml",
               "/opt/venv/lib/python3/site-packages/attrs/__init__.py", "/home/app"]
    assert [p for p in present if p not in fs] == []
    absent = ["/src/node_modules/jest", "/root/.npm/_cacache", "/root/.cache/pip", "/var/cache/apk/APKINDEX.5a59b88b.tar.gz"]
    assert [p for p in absent if p in fs] == []
    assert fs["/out/svc"].mode == 0o755
    assert fs["/home/app"][1:3] == (1001, 1001)
    assert [p for p in fs if p.startswith("/var/cache/dnf/")] == []
    assert any(p.startswith("/usr/local/share/.cache/yarn/") for p in fs)
    assert any(p.startswith("/root/.local/share/pnpm/store/") for p in fs)
    assert any(p.startswith("/root/.cache/go-build/") for p in fs)


class _Flaky:
    """A builder whose first builds fail with the given logs, then succeed."""

    def __init__(self, logs: list[str]) -> None:
        self.logs, self.calls = logs, 0

    def build(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        from dockeropt import verify

        self.calls += 1
        if self.logs:
            raise verify.VerifyError("the build of 'x' failed (exit 1)", self.logs.pop(0))
        return type("Built", (), {"id": "sha256:1", "log": "", "steps": [], "seconds": 0.0})()


_FLAKE = "STEP 2/3: RUN umask 077\nClose_Fd sealing memfd copy: Device or resource busy\n"


@pytest.mark.parametrize(
    ("logs", "calls", "fails"),
    [
        pytest.param([_FLAKE], 2, False, id="the runtime failing once is built again"),
        pytest.param([_FLAKE, _FLAKE], 2, True, id="twice fails"),
        pytest.param(["STEP 2/3: RUN false\nError: exit status 1\n"], 1, True, id="a failing step fails at once"),
    ],
)
def test_a_build_the_runtime_failed_to_start_is_tried_once_more(
    monkeypatch: pytest.MonkeyPatch, tmp_path, logs: list[str], calls: int, fails: bool
) -> None:
    flaky = _Flaky(logs)
    monkeypatch.setattr(harness, "builder", lambda store=None: flaky)
    if fails:
        with pytest.raises(harness.BuildError):
            harness.build(tmp_path, "FROM scratch\n", "x", ensure_base=False)
    else:
        assert harness.build(tmp_path, "FROM scratch\n", "x", ensure_base=False).id == "sha256:1"
    assert flaky.calls == calls
