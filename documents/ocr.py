"""Tesseract, run as a bounded child process on an image held in memory.

The image goes to Tesseract through a pipe (`stdin`) and the recognised words come back through
another (`stdout`, TSV), so no file holds the picture or its text. The child runs in a private,
empty working directory (removed afterwards, whatever happens) with an address-space limit, a CPU
limit, no right to create files (RLIMIT_FSIZE=0), one OpenMP thread and a wall timeout.
Tesseract has no network code; its environment is emptied all the same.

pytesseract (pinned) finds the binary and its version; the process itself is started here, because
pytesseract's runner writes the image and its output to temporary files and cannot set limits.
What is read is returned to the caller only: never logged, never stored.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import resource
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass

import pytesseract
from PIL import Image

from schools.errors import CodedError

MEMORY_LIMIT = 512 * 1024 * 1024  # address space; jpn on a 1400 px page needs ~60 MB RSS
CPU_SECONDS = 8
WALL_SECONDS = 6.0


class OcrUnavailable(CodedError):
    """Tesseract is missing, failed, or ran out of time ("ocr_unavailable", "ocr_timeout"): the
    upload is kept, not screened."""


@dataclass(frozen=True)
class Reading:
    """What one pass read: the text (line by line) and the mean word confidence (0–100)."""

    text: str
    confidence: float
    words: int
    # Each line's text with its box (left, top, right, bottom) in the image's pixels.
    lines: tuple[tuple[str, tuple[int, int, int, int]], ...] = ()
    # Each line's words with their boxes, in the order of `lines`.
    line_words: tuple[tuple[tuple[str, tuple[int, int, int, int]], ...], ...] = ()


def command() -> str:
    return pytesseract.pytesseract.tesseract_cmd


@functools.cache
def _languages(cmd: str) -> frozenset[str]:
    try:
        return frozenset(pytesseract.get_languages())
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError):
        return frozenset()


def available(lang: str = "jpn") -> bool:
    """Whether the binary answers and has the language (cached per binary path)."""
    return lang in _languages(command())


def _limit_child() -> None:
    os.setsid()  # its own process group, so a timeout kills it and nothing else
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def read(
    image: Image.Image,
    *,
    lang: str = "jpn",
    psm: int = 6,
    whitelist: str = "",
    timeout: float | None = None,
) -> Reading:
    """Recognise a greyscale image; OcrUnavailable when Tesseract cannot answer in time."""
    if not available(lang):
        raise OcrUnavailable("ocr_unavailable")
    buffer = io.BytesIO()
    image.convert("L").save(buffer, "PPM")  # uncompressed PGM: nothing to encode or decode
    args = [command(), "stdin", "stdout", "-l", lang, "--psm", str(psm), "--dpi", "300"]
    if whitelist:
        args += ["-c", f"tessedit_char_whitelist={whitelist}"]
    args.append("tsv")
    workdir = tempfile.mkdtemp(prefix="ocr-")
    try:
        env = {"OMP_THREAD_LIMIT": "1", "HOME": workdir, "TMPDIR": workdir, "LC_ALL": "C"}
        try:
            process = subprocess.Popen(
                args,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=workdir,
                env=env,
                preexec_fn=_limit_child,
            )
        except OSError:
            raise OcrUnavailable("ocr_unavailable") from None
        # `with` closes the pipes and reaps the child on every path, the timeout included.
        with process:
            try:
                out, _ = process.communicate(buffer.getvalue(), timeout=timeout or WALL_SECONDS)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise OcrUnavailable("ocr_timeout") from None
        if process.returncode != 0:
            raise OcrUnavailable("ocr_unavailable")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return _parse_tsv(out.decode("utf-8", "replace"))


def _parse_tsv(tsv: str) -> Reading:
    lines: dict[tuple[str, str, str, str], list[str]] = {}
    boxes: dict[tuple[str, str, str, str], tuple[int, int, int, int]] = {}
    word_boxes: dict[tuple[str, str, str, str], list[tuple[str, tuple[int, int, int, int]]]] = {}
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        word = cols[11].strip()
        conf = float(cols[10])
        if not word or conf < 0:
            continue
        key = (cols[1], cols[2], cols[3], cols[4])
        lines.setdefault(key, []).append(word)
        left, top, width, height = (int(v) for v in cols[6:10])
        word_boxes.setdefault(key, []).append((word, (left, top, left + width, top + height)))
        box = boxes.get(key, (left, top, left + width, top + height))
        boxes[key] = (
            min(box[0], left),
            min(box[1], top),
            max(box[2], left + width),
            max(box[3], top + height),
        )
        confidences.append(conf * min(len(word), 4))
    weight = sum(min(len(w), 4) for words in lines.values() for w in words)
    text = "\n".join(_join(words) for words in lines.values())
    return Reading(
        text=text,
        confidence=sum(confidences) / weight if weight else 0.0,
        words=len(confidences),
        lines=tuple((_join(words), boxes[key]) for key, words in lines.items()),
        line_words=tuple(tuple(word_boxes[key]) for key in lines),
    )


def _join(words: list[str]) -> str:
    """A line's words: Japanese ones run together (保険 者 番号 → 保険者番号), others spaced."""
    line = ""
    for word in words:
        if line and (line[-1].isascii() or word[0].isascii()):
            line += " "
        line += word
    return line
