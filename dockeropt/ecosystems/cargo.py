"""cargo: Cargo.toml and Cargo.lock; even ``cargo fetch`` needs the crate's targets."""

from __future__ import annotations

from dockeropt.ecosystems.base import Ecosystem, Verdict, explicit, in_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dockeropt.shell.nodes import Invocation


def read(inv: Invocation) -> Verdict | None:
    manifest = inv.values("--manifest-path")
    if manifest:
        base = manifest[0].rsplit("/", 1)[0] if "/" in manifest[0] else None
        manifests = (manifest[0], *in_dir(base, ("Cargo.lock",)))
    else:
        manifests = ("Cargo.toml", "Cargo.lock")
    config = (".cargo/config.toml",)
    if inv.subcommand == "fetch":
        return Verdict("cargo", manifests, config, caveats=(
            "cargo needs a target file (src/main.rs or src/lib.rs) and the manifests of "
            "workspace members; stub them",))
    if inv.subcommand in ("build", "b"):
        return Verdict("cargo", manifests, config, needs_sources=True,
                       reason="'cargo build' compiles the crate")
    if inv.subcommand == "install":
        path = inv.values("--path")
        if path:
            return Verdict("cargo", manifests, config, from_manifests=False, needs_sources=True,
                           reason=f"installs the local crate {path[0]!r}")
        return explicit("cargo", inv.operands) if inv.operands else None
    return None


CARGO = Ecosystem(
    "cargo", ("cargo",), read, example="cargo fetch",
    unsupported="cargo needs the crate's targets (src/main.rs or src/lib.rs) even to fetch",
)
