"""BuildKit's own parse result, through the PyPI package ``dockerfile``, as plain data."""

from __future__ import annotations


def as_dicts(commands) -> list[dict]:  # noqa: ANN001
    """The package's Command tuples in the shape of ``dockeropt parse --json``."""
    return [
        {
            "cmd": c.cmd,
            "sub_cmd": c.sub_cmd,
            "json": c.json,
            "start_line": c.start_line,
            "end_line": c.end_line,
            "flags": list(c.flags),
            "value": list(c.value),
            "heredocs": [{"name": h.name, "file_descriptor": h.file_descriptor, "content": h.content} for h in c.heredocs],
        }
        for c in commands
    ]
