"""dockeropt: rewrites Dockerfiles so that images build faster and weigh less.

The public API:

    parse(text) -> Dockerfile      a lossless tree; ``parse(text).code == text``
"""

from dockeropt.cst import Dockerfile, parse
from dockeropt.errors import DockerfileError

__all__ = ["Dockerfile", "DockerfileError", "parse"]
__version__ = "0.1.0"
