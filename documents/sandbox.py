"""Untrusted files are parsed in a bounded child process (DESIGN.md §3, intake steps 3 and 4).

Parsing a hostile PDF or image is the riskiest thing the site does (compression bombs, object
cycles, progressive JPEGs with hundreds of scans, parser bugs), so it never happens in the web
process. The child (`python -I -c CHILD MEMORY CPU REQUEST`) sets an address-space limit, a CPU
limit, no right to create files (RLIMIT_FSIZE=0: no plaintext can reach the disk) and no core
dumps before it reads a byte; the parent kills it at a wall timeout. Bytes travel through pipes
only (REQUEST, an operation name and small numbers, never content, is an argument).

The child answers with one JSON header line and a body. A refusal carries two short codes:
`code`, which picks the guardian's message, and `cause`, what actually happened, for the audit
log (never content), so refusals can be told apart.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from schools.errors import CodedError  # Django-free: the child may import it

ROOT = Path(__file__).resolve().parent.parent
# `-I` leaves the project off sys.path: the child puts it back, then imports only Django-free
# modules (this one, schools.errors, the parsers of OPERATIONS).
CHILD = (
    f"import sys; sys.path.insert(0, {str(ROOT)!r}); from documents import sandbox;"
    " sys.exit(sandbox.child_main(sys.argv))"
)

# The only work a child may do: module and function, none of which imports Django.
OPERATIONS = {
    "pdf_normalise": ("documents.pdfsafe", "child_normalise"),
    "pdf_render": ("documents.pdfsafe", "child_render"),
    "image_normalise": ("documents.images", "child_normalise"),
}


@dataclass(frozen=True)
class Limits:
    memory_bytes: int
    cpu_seconds: int
    wall_seconds: float
    too_complex: str  # the refusal code when a limit stops the child
    broken: str  # the refusal code when the child fails otherwise


class Refused(CodedError):
    """A refusal: `code` for the guardian's message, `cause` (a short code) for the audit log."""


def apply_limits(memory_bytes: int, cpu_seconds: int) -> None:
    # Called by the child itself before it reads a byte of input (preexec_fn is not safe in a
    # threaded web worker).
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _signal_cause(returncode: int) -> str:
    if returncode == -signal.SIGXCPU:
        return "cpu_limit"
    if returncode == -signal.SIGKILL:
        return "killed"
    return "crashed"


def run(operation: str, data: bytes, limits: Limits, **params) -> tuple[dict, bytes]:
    """Run one operation on `data` in a bounded child: (header, body), or Refused."""
    # The request (an operation name and small numbers, never content) goes in the arguments, so
    # that the upload itself is piped as it is: gluing a header to it copied 2-10 MB per call.
    request = {"op": operation, "params": params}
    command = [
        sys.executable,
        "-I",
        "-c",
        CHILD,
        str(limits.memory_bytes),
        str(limits.cpu_seconds),
        json.dumps(request),
    ]
    try:
        proc = subprocess.run(
            command,
            input=data,
            capture_output=True,  # stderr (library warnings) is dropped, never logged
            timeout=limits.wall_seconds,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_NUM_THREADS": "1"},
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise Refused(limits.too_complex, "timeout") from exc
    head, _, body = proc.stdout.partition(b"\n")
    try:
        header = json.loads(head or b"{}")
    except ValueError:
        header = {}
    if proc.returncode < 0:
        raise Refused(limits.too_complex, _signal_cause(proc.returncode))
    if header.get("ok") is True and proc.returncode == 0:
        return header, body
    if header.get("cause") == "memory":
        raise Refused(limits.too_complex, "memory")
    raise Refused(header.get("code") or limits.broken, header.get("cause") or "crashed")


def child_main(argv: list[str]) -> int:
    apply_limits(int(argv[1]), int(argv[2]))
    request = json.loads(argv[3])
    data = sys.stdin.buffer.read()
    try:
        module_name, function = OPERATIONS[request["op"]]
        handler = getattr(importlib.import_module(module_name), function)
        header, body = handler(data, **request.get("params", {}))
    except Refused as exc:
        header, body = {"ok": False, "code": exc.code, "cause": exc.cause}, b""
    except MemoryError:
        header, body = {"ok": False, "cause": "memory"}, b""
    except Exception:  # a parser error the operation did not expect: one answer, no content
        header, body = {"ok": False, "cause": "unexpected"}, b""
    sys.stdout.buffer.write(json.dumps(header).encode() + b"\n" + body)
    sys.stdout.buffer.flush()
    return 0
