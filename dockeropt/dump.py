"""The tree as BuildKit's own parse result: one JSON object per instruction.

The keys and their meaning are those of BuildKit's parser as the PyPI package
``dockerfile`` reports them, so that the two can be compared value for value.
"""

from __future__ import annotations

from dockeropt.cst import Dockerfile, Instruction, Onbuild


def buildkit_json(tree: Dockerfile) -> list[dict]:
    return [_command(inst) for inst in tree.instructions]


def _command(inst: Instruction) -> dict:
    parse = inst.logical.parse
    sub_cmd = None
    if isinstance(inst, Onbuild) and parse.inner is not None:
        sub_cmd = parse.inner.cmd or None
    # BuildKit attaches ONBUILD's heredocs to the outer node, where its result does not
    # look for them: they are consumed but reported as none.
    heredocs = [] if isinstance(inst, Onbuild) else [
        {"name": h.name, "file_descriptor": h.file_descriptor, "content": h.body} for h in inst.heredocs
    ]
    return {
        "cmd": inst.keyword,
        "sub_cmd": sub_cmd,
        "json": parse.json,
        "start_line": inst.line,
        "end_line": inst.end_line,
        "flags": list(parse.flags),
        "value": list(parse.value),
        "heredocs": heredocs,
    }
