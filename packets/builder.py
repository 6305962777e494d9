"""Build one packet PDF: front matter, then every accepted document, stamped and numbered.

The shape of the work (docs/packets.md, with figures):
- the plan (roster order, page numbers, fingerprint) comes from the database alone;
- phase front: the cover comes from the vault cache, or is laid out by WeasyPrint in a child
  process (the worker's spare renderer) on the other core while this process draws the roster
  index and the stamp pages directly (packets.index: one font subset, no HTML);
- phase placing: documents are decrypted (photos beyond a memory budget spooled to the build's
  private folder, in the file that becomes the packet document) and placed on A4 pages of the
  packet itself, each with its student's stamp (a Form XObject) and its page number; PDFs are
  placed as Form XObjects (vector text stays text), photos are the stored JPEG passed through
  (packets.placing); the index and stamps are drawn in between (packets.index);
- phase join: the cover page is put first and the packet is written by one save (pikepdf),
  encrypted (AES-256) when a password is given, its documents' streams copied as they are.
The folder (plaintext) is always removed; the caller stores the result in the vault.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from documents.models import Document, DocumentKind
from documents.services import documents_for_packet
from trips.models import Participant, ParticipantState, Trip

from . import frontmatter, work
from .errors import BuildError
from .index import draw_index_and_stamps, index_pages
from .models import BuildPhase
from .placing import A4, PRINT_DPI, place_documents, prepare_documents

log = logging.getLogger(__name__)

FRONT_MATTER_TIMEOUT = 300


@dataclass
class Item:
    """One accepted document to place."""

    document_id: int
    storage_name: str
    aad: str
    content_type: str
    pages: int


@dataclass
class Row:
    """One line of the roster index: a participant, their documents and where they start."""

    participant_id: int
    name: str
    grade_class: str
    group: str
    status: str  # "document", "card" or "missing"
    kind_label: str
    items: list[Item] = field(default_factory=list)
    start_page: int | None = None
    end_page: int | None = None
    stamp_index: int | None = None  # 1-based among the stamp pages
    position: int = 0  # 1-based line number in the index

    @property
    def page_count(self) -> int:
        return sum(item.pages for item in self.items)


@dataclass
class Plan:
    trip: Trip
    group_name: str
    rows: list[Row]
    front_pages: int
    total_pages: int
    fingerprint: str

    @property
    def documents(self) -> int:
        return sum(len(row.items) for row in self.rows)

    @property
    def stamped_rows(self) -> list[Row]:
        return [row for row in self.rows if row.items]


@dataclass
class BuiltPacket:
    """The finished PDF in a private temp dir; `cleanup()` (or `with`) removes it."""

    path: Path
    pages: int
    size: int
    documents: int
    fingerprint: str
    # Seconds per phase in this process: front (cover + index), stamps, placing, join.
    timings: dict[str, float]
    cover_cached: bool
    _tmpdir: Path

    def cleanup(self) -> None:
        shutil.rmtree(self._tmpdir, ignore_errors=True)

    def __enter__(self) -> BuiltPacket:
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()


def participants_in_scope(trip: Trip, group_name: str = ""):
    """The packet's participants in roster order (grade, class, number)."""
    queryset = Participant.objects.filter(trip=trip).select_related("student")
    if group_name:
        queryset = queryset.filter(group_name=group_name)
    return queryset.in_roster_order()


def fingerprint(participants: list[Participant], documents: list[Document]) -> str:
    """A hash of what the packet shows: who is in it, in which state, and which documents.

    A document accepted, replaced or withdrawn after a build changes it (the packet is stale).
    """
    digest = hashlib.sha256()
    for p in participants:
        digest.update(f"p{p.pk}:{p.state}:{p.group_name}:{p.student_id};".encode())
    for d in documents:
        digest.update(f"d{d.pk}:{d.participant_id}:{d.sha256}:{d.storage_name}:{d.kind};".encode())
    return digest.hexdigest()


def current_fingerprint(trip: Trip, group_name: str = "") -> str:
    participants = list(
        participants_in_scope(trip, group_name)
        .select_related(None)
        .only("pk", "state", "group_name", "student_id")
    )
    documents = list(
        documents_for_packet(trip, group_name or None)
        .select_related(None)
        .only("pk", "participant_id", "sha256", "storage_name", "kind")
    )
    return fingerprint(participants, documents)


def _grade_class(student) -> str:
    return f"{student.grade}年{student.class_name}組"


def plan_packet(trip: Trip, group_name: str = "") -> Plan:
    """Roster rows with their documents and page numbers, from the database only."""
    participants = list(participants_in_scope(trip, group_name))
    documents = list(documents_for_packet(trip, group_name or None))
    by_participant: dict[int, list[Document]] = {}
    for document in documents:
        by_participant.setdefault(document.participant_id, []).append(document)
    kinds = dict(DocumentKind.choices)
    rows = []
    for participant in participants:
        docs = [d for d in by_participant.get(participant.pk, []) if d.kind != "card_carried"]
        row = Row(
            participant_id=participant.pk,
            name=participant.student.name,
            grade_class=_grade_class(participant.student),
            group=participant.group_name,
            status="missing",
            kind_label="未提出",
        )
        if docs:
            row.status = "document"
            row.kind_label = "・".join(dict.fromkeys(str(kinds.get(d.kind, d.kind)) for d in docs))
            row.items = [
                Item(
                    document_id=d.pk,
                    storage_name=d.storage_name,
                    aad=d.aad,
                    content_type=d.content_type,
                    # A photo is one page whatever the row says; a PDF's count is checked later.
                    pages=d.pages if d.content_type == "application/pdf" else 1,
                )
                for d in docs
            ]
        elif participant.state == ParticipantState.CARD_CARRIED:
            row.status = "card"
            row.kind_label = "マイナンバーカード持参"
        rows.append(row)

    front_pages = frontmatter.COVER_PAGES + len(index_pages(rows))
    page = front_pages
    stamp = 0
    for position, row in enumerate(rows, start=1):
        row.position = position
        if row.items:
            stamp += 1
            row.stamp_index = stamp
            row.start_page = page + 1
            page += row.page_count
            row.end_page = page
    return Plan(
        trip=trip,
        group_name=group_name,
        rows=rows,
        front_pages=front_pages,
        total_pages=page,
        fingerprint=fingerprint(participants, documents),
    )


ProgressCallback = Callable[[str, int, int], None]


def build_packet(
    trip: Trip,
    *,
    group_name: str = "",
    password: str | None = None,
    progress: ProgressCallback | None = None,
) -> BuiltPacket:
    """Build the packet synchronously; the task and `manage.py build_packet` both call this.

    `progress(phase, done, total)` is called as the build moves: one step for the front matter,
    one per document placed, one for the join, one left for the caller's storing (BuildPhase).
    """
    import pikepdf  # noqa: PLC0415 (PDF libraries load in the worker, at warm_up, never in the web process)

    plan = plan_packet(trip, group_name or "")
    total = plan.documents + 3
    report = progress or (lambda phase, done, total: None)
    tmp = work.new_build_dir(trip.pk)
    timings: dict[str, float] = {}
    prepared = pdf = cover_pdf = None
    try:
        report(BuildPhase.FRONT, 0, total)
        started = time.perf_counter()
        # The cover renders in a child process (unless cached) while this one decrypts, draws
        # the index and stamps and places the documents: two cores, two jobs.
        cover = frontmatter.Cover(plan, tmp)
        try:
            timings["front"] = time.perf_counter() - started
            started = time.perf_counter()
            report(BuildPhase.PLACING, 1, total)
            # Progress: half a step per document decrypted, half per document placed.
            prepared = prepare_documents(
                plan, tmp, lambda done: report(BuildPhase.PLACING, 1 + done // 2, total)
            )
            pdf = prepared.open_packet()
            timings["placing"] = time.perf_counter() - started
            started = time.perf_counter()
            drawn = draw_index_and_stamps(plan, frontmatter.font_path(), pdf)
            timings["stamps"] = drawn.stamp_seconds
            timings["front"] += time.perf_counter() - started - drawn.stamp_seconds
            started = time.perf_counter()
            half = plan.documents // 2
            version = place_documents(
                plan,
                pdf,
                prepared,
                drawn.stamps,
                lambda done: report(BuildPhase.PLACING, 1 + half + (done + 1) // 2, total),
            )
            timings["placing"] += time.perf_counter() - started
            timings["front"] += cover.wait(timeout=FRONT_MATTER_TIMEOUT)
        finally:
            cover.stop()
        report(BuildPhase.JOIN, plan.documents + 1, total)
        started = time.perf_counter()
        cover_pdf = pikepdf.open(cover.path)
        pdf.pages.insert(0, cover_pdf.pages[0])
        output = tmp / "packet.pdf"
        _save(pdf, output, password, version=max(version, cover_pdf.pdf_version))
        timings["join"] = time.perf_counter() - started
        # Not earlier: its start (Python and WeasyPrint loading) would compete with the save.
        frontmatter.replace_spare()
        # Plaintext goes as soon as the packet exists (the dir itself goes on cleanup).
        pdf.close()
        cover_pdf.close()
        for path in (tmp / "photos.pdf", cover.path):
            path.unlink(missing_ok=True)
        report(BuildPhase.STORING, plan.documents + 2, total)
        return BuiltPacket(
            path=output,
            pages=plan.total_pages,
            size=output.stat().st_size,
            documents=plan.documents,
            fingerprint=plan.fingerprint,
            timings=timings,
            cover_cached=cover.cached,
            _tmpdir=tmp,
        )
    except BaseException:
        for opened in (pdf, cover_pdf, prepared):
            if opened is not None:
                opened.close()
        shutil.rmtree(tmp, ignore_errors=True)
        frontmatter.replace_spare()  # the next build still finds one ready
        raise


# --- Saving --------------------------------------------------------------------------------


def _save(pdf, output: Path, password: str | None, *, version: str) -> None:
    """Write the packet once: streams copied as they are, AES-256 if a password is given.

    The documents' streams are copied from their files without decoding (they are compressed
    already); only our own small streams (index, stamps, placement) are compressed.
    """
    import pikepdf  # noqa: PLC0415 (PDF libraries load in the worker, at warm_up, never in the web process)

    encryption = None
    if password:
        # AES-256 (R6). The owner password is random: nobody needs to lift restrictions.
        encryption = pikepdf.Encryption(
            user=password, owner=secrets.token_urlsafe(24), R=6, aes=True, metadata=True
        )
    # pikepdf refuses a decode level with encryption: an encrypted packet is written with
    # qpdf's default (flate streams re-deflated, JPEGs untouched), a little slower.
    decode = {} if encryption else {"stream_decode_level": pikepdf.StreamDecodeLevel.none}
    try:
        pdf.save(
            output,
            compress_streams=True,
            min_version=version,
            encryption=encryption or False,
            **decode,
        )
    except (pikepdf.PdfError, OSError) as exc:
        # The kind of failure only: qpdf's message may quote the documents' PDF objects.
        log.warning("saving the packet failed: %s", type(exc).__name__)
        raise BuildError("join_failed") from exc


__all__ = [
    "A4",
    "PRINT_DPI",
    "BuildError",
    "BuiltPacket",
    "Plan",
    "build_packet",
    "current_fingerprint",
    "plan_packet",
]
