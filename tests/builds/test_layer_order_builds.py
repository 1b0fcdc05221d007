"""DO111 layer-order on buildah: the suggested move gives the same image, and after a source
edit the moved step comes from the cache, as ``dockeropt.cachekeys`` (explain's planner)
predicts on both sides."""

from __future__ import annotations

import pytest
from test_manifests_first_builds import touch_source

from dockeropt import engine, parse
from dockeropt.cachekeys import keys_of
from dockeropt.transforms.base import Applicability, Context
from dockeropt.transforms.layer_order import LayerOrder

pytestmark = pytest.mark.builds

#: name -> (Dockerfile, context files, the source file edited, the step that moves)
CASES = {
    "apt-get install below COPY src/": (
        "FROM debian:bookworm-slim\nWORKDIR /app\nCOPY src/ src/\n"
        "RUN apt-get update && apt-get install -y curl\nCMD [\"sh\", \"src/run.sh\"]\n",
        {"src/run.sh": "echo run\n"}, "src/run.sh", "RUN apt-get update",
    ),
    "pip install by name below COPY app.py": (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\nEXPOSE 8000\n"
        "RUN pip install --no-cache-dir gunicorn\nCMD [\"python\", \"app.py\"]\n",
        {"app.py": "print(1)\n"}, "app.py", "RUN pip install",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_suggested_move_keeps_the_image_and_spares_the_step(bh, make_context, build_summary, name: str) -> None:
    original, files, source, moved = CASES[name]
    context = make_context(files)
    [found] = engine.run(original, Context(build_context=context), [LayerOrder()]).findings
    assert found.fix is not None and found.fix.applicability is Applicability.SUGGESTION
    suggested = engine.apply(original, [found.fix])
    assert engine.run(suggested, Context(build_context=context), [LayerOrder()]).findings == []

    slug = "do111-" + "".join(c if c.isalnum() else "-" for c in name.lower())
    a = bh.build(context, original, f"{slug}-before")
    b = bh.build(context, suggested, f"{slug}-after")
    assert bh.diff_rootfs(a, b) == []
    assert bh.diff_config(a, b) == []

    before = bh.rebuild_after_edit(make_context(files), original, f"{slug}-b", touch_source(source))
    after = bh.rebuild_after_edit(make_context(files), suggested, f"{slug}-a", touch_source(source))
    assert any(i.startswith(moved) for i in before.rerun_instructions())
    assert not any(i.startswith(moved) for i in after.rerun_instructions())
    predicted = [len(keys_of(parse(text), None).reruns([source])) for text in (original, suggested)]
    assert predicted == [before.rerun_count, after.rerun_count]
    build_summary.append(bh.summary_row(f"DO111 {name}", a, b, before, after))
