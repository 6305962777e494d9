"""The one base for an exception named by a short machine code.

A refusal or failure that reaches a person or the audit trail is told apart by its `code`
(a key into a table of translated messages, and an audit detail that must stay a short code);
`cause` optionally says what happened when several causes share one message (a timeout and a
decoding failure both refused as "broken", say). Neither ever holds content.
"""

from __future__ import annotations


class CodedError(Exception):
    def __init__(self, code: str, cause: str = ""):
        super().__init__(code)
        self.code = code
        self.cause = cause or code
