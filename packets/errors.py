"""The one error a packet build ends with."""

from __future__ import annotations

from schools.errors import CodedError


class BuildError(CodedError):
    """A build that cannot finish; `code` is a short machine code shown to the teacher."""
