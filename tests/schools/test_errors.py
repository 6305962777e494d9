"""One exception-with-a-code base: every coded refusal or failure is a CodedError."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from documents.intake import Refusal
from documents.ocr import OcrUnavailable
from documents.review import ReviewRefused
from documents.sandbox import Refused
from packets.errors import BuildError
from schools.errors import CodedError


def test_a_coded_error_keeps_its_code_and_defaults_its_cause_to_it():
    error = CodedError("too_large")
    assert (error.code, error.cause, str(error)) == ("too_large", "too_large", "too_large")
    assert CodedError("pdf_broken", "decode_timeout").cause == "decode_timeout"


@pytest.mark.parametrize("cls", [BuildError, ReviewRefused, OcrUnavailable, Refusal, Refused])
def test_the_apps_coded_exceptions_share_the_base(cls):
    error = cls("closed")
    assert isinstance(error, CodedError) and error.code == "closed"


def test_no_other_exception_sets_its_own_code():
    base = Path(settings.BASE_DIR)
    found = set()
    for path in base.glob("*/*.py"):
        relative = path.relative_to(base).as_posix()
        if relative.startswith((".venv/", "tests/")) or relative == "schools/errors.py":
            continue
        if re.search(r"^\s+self\.code = ", path.read_text(), re.MULTILINE):
            found.add(relative)
    assert found == set()
