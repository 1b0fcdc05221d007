"""The one error a user sees for a file dockeropt cannot read."""

from __future__ import annotations


class DockerfileError(Exception):
    """A Dockerfile that BuildKit would reject, or that dockeropt will not touch.

    ``line`` and ``column`` are 1-based and point at the place the problem starts.
    """

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def located(self, path: str) -> str:
        """The message as ``PATH:LINE:COL: message``, the form editors and CI understand."""
        return f"{path}:{self.line}:{self.column}: {self.message}"

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"
