"""What a base image's operating system and tools can do, by release.

One small table for every option a fix adds that old releases lack. Each row names its
source. ``Base.lacks(tool, option)`` in ``dockeropt.model`` reads it.
"""

from __future__ import annotations

#: Debian codenames by major version (debian.org/releases).
DEBIAN = {
    "7": "wheezy", "8": "jessie", "9": "stretch", "10": "buster",
    "11": "bullseye", "12": "bookworm", "13": "trixie", "14": "forky",
}
#: Ubuntu codenames by version (wiki.ubuntu.com/Releases).
UBUNTU = {
    "12.04": "precise", "14.04": "trusty", "16.04": "xenial", "18.04": "bionic",
    "20.04": "focal", "22.04": "jammy", "24.04": "noble", "26.04": "resolute",
}
DEBIAN_CODENAMES = frozenset(DEBIAN.values()) | {"sid", "testing", "stable", "oldstable"}
UBUNTU_CODENAMES = frozenset(UBUNTU.values())

#: The pip that a distribution's own ``python-pip``/``python3-pip`` package installs, where
#: it predates pip 6.0 (2014-12-22), the first with ``--no-cache-dir`` (pip's changelog).
#: Debian: wheezy 1.1, jessie 1.5.6 (packages.debian.org); Ubuntu: precise 1.0,
#: trusty 1.5.4 (packages.ubuntu.com). Later releases ship pip 8 or newer.
OLD_DISTRO_PIP = {
    ("debian", "wheezy"): "1.1",
    ("debian", "jessie"): "1.5.6",
    ("ubuntu", "precise"): "1.0",
    ("ubuntu", "trusty"): "1.5.4",
}

#: Alpine releases whose apk predates ``--no-cache`` (apk-tools 2.6.0, first shipped in
#: Alpine 3.3, 2016-01; Alpine's 3.3.0 release notes).
APK_NO_CACHE_SINCE = (3, 3)


def release_tuple(release: str | None) -> tuple[int, ...] | None:
    """``"3.2"`` -> ``(3, 2)``; None when the release is not a dotted number."""
    if not release:
        return None
    parts = release.split(".")
    if not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def lacks(os_name: str | None, release: str | None, distro: bool, tool: str, option: str) -> str | None:
    """Why ``tool`` on this base has no ``option``, or None when it has it (or nothing says
    otherwise). ``distro`` is true when the tool comes from the distribution's packages
    (the base is the OS image itself), not from the image's own install."""
    if tool == "pip" and option == "--no-cache-dir" and distro:
        version = OLD_DISTRO_PIP.get((os_name or "", release or ""))
        if version is not None:
            return f"the distribution's pip on {os_name} {release} is {version}; --no-cache-dir came with pip 6.0"
    if tool == "apk" and option == "--no-cache" and os_name == "alpine":
        number = release_tuple(release)
        if number is not None and number[:2] < APK_NO_CACHE_SINCE:
            return f"apk on alpine {release} predates --no-cache (Alpine 3.3)"
    return None


#: ``npm ci`` came with npm 5.7.0 (npm's changelog, 2018-02). The ``node`` images bundle
#: the npm of their Node.js release (nodejs.org/en/download/releases lists it): before
#: Node 10 that may be older (Node 8 bundled npm 5.0-5.6 until 8.12, Node 6 npm 3), and the
#: first 10.x releases came before npm 6. Conservative: every tag before 10, and 10.0/10.1
#: pinned, are taken to lack it (a refused fix costs a suggestion, a wrong one a build).
NPM_CI_SINCE_NODE = 10


def image_lacks(name: str | None, tag: str | None, tool: str, option: str) -> str | None:
    """Why the tool an image itself brings (not the OS's) has no ``option``, or None.
    Only what the tag says counts: ``node:8`` may lack it, ``node:lts`` does not say."""
    if tool == "npm" and option == "ci" and name == "node" and tag:
        version = tag.split("-")[0].split(".")
        major = version[0]
        early_ten = major == str(NPM_CI_SINCE_NODE) and len(version) > 1 and version[1] in ("0", "1")
        if major.isdigit() and (int(major) < NPM_CI_SINCE_NODE or early_ten):
            return f"the npm of node {tag} may predate npm ci (npm 5.7)"
    return None
