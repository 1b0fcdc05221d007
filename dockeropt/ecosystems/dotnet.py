"""dotnet: ``dotnet restore`` reads the project files and NuGet's configuration."""

from __future__ import annotations

from dockeropt.ecosystems.base import Ecosystem, Verdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dockeropt.shell.nodes import Invocation

_MANIFESTS = ("*.csproj", "*.sln", "NuGet.config", "Directory.Build.props", "Directory.Packages.props")


def read(inv: Invocation) -> Verdict | None:
    if inv.subcommand != "restore":
        return None
    config = ("global.json", "*.fsproj", "*.vbproj", "Directory.Build.targets")
    caveats = ("project files in subdirectories must keep their paths",)
    if inv.operands:
        manifests = (*inv.operands, "NuGet.config", "Directory.Build.props",
                     "Directory.Packages.props")
        return Verdict("dotnet", manifests, config, caveats=caveats)
    return Verdict("dotnet", _MANIFESTS, config, caveats=caveats)


DOTNET = Ecosystem(
    "dotnet", ("dotnet",), read, example="dotnet restore",
    outputs=("obj", "bin"), unsupported="dotnet restore follows project references into the source tree",
)
