"""Rebuild the data files DO103 and DO104 ship, from the shared sources.

    python dockeropt/data/rebuild.py SOURCE_DIR

SOURCE_DIR holds ``official-image-tags.json`` (every tag of every official image, read from
docker-library/official-images at a recorded commit) and ``image-sizes.json`` (per-tag sizes
read from docker-library/repo-info on a recorded date; ``image-sizes.md`` beside it says how).
This writes, beside this script:

- ``official-image-tags.json``: per image, the tags that are the ``-slim`` or ``-alpine``
  variant of another tag (what DO103 may suggest);
- ``image-sizes.json``: the sizes of the tags DO103 can name (a tag with a variant, and the
  variant), as ``[compressed bytes, bytes on disk]`` with ``null`` where the source has none;
- ``supported-tags.json``: for the images ``end-of-life.json`` covers, the tags whose version
  part is a release cycle of that table, its major, or no version (what DO104 may suggest).

``end-of-life.json`` itself is written by hand from the sources it names; it is read here,
never written. The output is stable: running this twice changes nothing.
"""

from __future__ import annotations

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = ("slim", "alpine")


def is_small(tag: str) -> bool:
    return any(p in ("slim", "minimal") or p.startswith("alpine") for p in tag.split("-"))


def variant_base(tag: str, tags: set[str]) -> str | None:
    """The tag ``tag`` is the -slim/-alpine variant of, or None."""
    parts = tag.split("-")
    for kind in KINDS:
        rest = [p for p in parts if p != kind]
        base = "-".join(rest) or "latest"
        if len(rest) == len(parts) - 1 and base in tags and not is_small(base):
            return base
    return None


def variants(full: dict) -> dict[str, list[str]]:
    out = {}
    for image, tags in sorted(full["images"].items()):
        found = sorted(t for t in tags if variant_base(t, set(tags)))
        if found:
            out[image] = found
    return out


def sizes(measured: dict, full: dict, shipped: dict[str, list[str]]) -> dict[str, dict[str, list]]:
    """The measured sizes of each tag DO103 can name: a variant, or the tag it varies."""
    out = {}
    for image, tags in sorted(measured["images"].items()):
        names = set(shipped.get(image, ()))
        every = set(full["images"].get(image, ())) | {"latest"}
        names |= {base for t in names if (base := variant_base(t, every)) is not None}
        kept = {}
        for tag, entry in sorted(tags.items()):
            if tag in names and not entry.get("remark", "").startswith("stale"):
                kept[tag] = [entry["compressed_bytes"], entry["disk_bytes"]]
        if kept:
            out[image] = kept
    return out


def supported_tags(full: dict, table: dict) -> dict[str, list[str]]:
    """For each image the table covers, the tags DO104 may suggest: the version part (the
    first) is a cycle or alias of the table, the major of some (``3``), or not a version;
    no Windows tags."""
    out = {}
    for image, products in sorted(table["images"].items()):
        entries = [table["products"][p] for p in products]
        cycles = {c for e in entries for c in e["cycles"]}
        known = cycles | {a for e in entries for a in e.get("aliases", ())}
        kept = []
        for tag in full["images"].get(image, ()):
            head = tag.split("-")[0]
            if "windows" in tag or "nanoserver" in tag:
                continue
            floating = any(c.startswith(head + ".") for c in cycles)  # python:3
            if head in known or floating or not re.match(r"\d", head):
                kept.append(tag)
        out[image] = sorted(kept)
    return out


def dump(path: str, data: dict) -> None:
    """One image per line: small diffs when the data changes, and quick to read."""
    head = {k: v for k, v in data.items() if k != "images"}
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    lines.append('  "images": {')
    items = list(data["images"].items())
    for i, (image, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"    {json.dumps(image)}: {json.dumps(value, separators=(',', ':'))}{comma}")
    lines += ["  }", "}"]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main(source: str) -> None:
    with open(os.path.join(source, "official-image-tags.json"), encoding="utf-8") as f:
        full = json.load(f)
    with open(os.path.join(source, "image-sizes.json"), encoding="utf-8") as f:
        measured = json.load(f)
    with open(os.path.join(HERE, "end-of-life.json"), encoding="utf-8") as f:
        table = json.load(f)
    shipped = variants(full)
    dump(os.path.join(HERE, "official-image-tags.json"), {
        "commit": full["commit"],
        "source": full["source"],
        "content": "for each official image, its tags with exactly one -slim or -alpine part whose removal "
        "gives another tag of the image (an empty remainder stands for latest)",
        "images": shipped,
    })
    dump(os.path.join(HERE, "image-sizes.json"), {
        "source": measured["source"],
        "read_on": measured["read_on"],
        "content": "linux/amd64 sizes of the tags DO103 can name, as [compressed bytes, bytes on disk]: "
        "compressed is the registry transfer size (repos/<image>/remote/<tag>.md, Total Size); on disk "
        "is the local Virtual Size (repos/<image>/local/<tag>.md, 3-5 significant digits, often another "
        "build of the same tag); null where the source has no number. Snapshots from mid-2026.",
        "images": sizes(measured, full, shipped),
    })
    dump(os.path.join(HERE, "supported-tags.json"), {
        "commit": full["commit"],
        "source": full["source"],
        "content": "for each image end-of-life.json covers, its tags whose first part is a release cycle "
        "or alias of that table, or no version (the tags DO104 may suggest); Windows tags left out",
        "images": supported_tags(full, table),
    })


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    main(sys.argv[1])
