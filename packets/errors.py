"""The one error a packet build ends with."""

from __future__ import annotations


class BuildError(Exception):
    """A build that cannot finish; `code` is a short machine code shown to the teacher."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code
