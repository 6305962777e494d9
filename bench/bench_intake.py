"""bench intake-photo / intake-pdf / intake-concurrent: the intake pipeline end to end.

Runs against a temporary DATA_DIR with a throwaway SQLite database: a 4 MB 3000x4000 phone
JPEG (with EXIF orientation) and a 2-page PDF, each through documents.intake.accept (sniff,
normalise, screen, encrypt, store). Prints the median of several runs and the peak RSS of this
process (the PDF sandbox is a child process, so its memory is reported separately).

    .venv/bin/python bench/bench_intake.py
"""

from __future__ import annotations

import io
import os
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.TemporaryDirectory(prefix="bench-intake-")
os.environ["DATA_DIR"] = _tmp.name
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schooltrips.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
from django.core.management import call_command  # noqa: E402

RUNS = 7


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1024 / 1024


def phone_jpeg() -> bytes:
    """About 4 MB, 3000x4000, noisy like a real photo, with an orientation tag."""
    from PIL import Image

    base = Image.effect_noise((750, 1000), 40).convert("RGB")
    tint = Image.linear_gradient("L").resize((3000, 4000)).convert("RGB")
    im = Image.blend(base.resize((3000, 4000), Image.Resampling.BILINEAR), tint, 0.3)
    exif = Image.Exif()
    exif[0x0112] = 6
    for quality in (95, 92, 88, 85, 80):
        out = io.BytesIO()
        im.save(out, "JPEG", quality=quality, exif=exif)
        if out.tell() <= 4_400_000:
            break
    return out.getvalue()


def two_page_pdf() -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    for page_no in range(2):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[page_no]
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        lines = "".join(
            f"BT /F1 10 Tf 50 {800 - 14 * i} Td (Line {i} of page {page_no + 1}) Tj ET\n"
            for i in range(50)
        )
        page.Contents = pdf.make_stream(lines.encode())
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def setup_participant():
    from django.utils import timezone

    from tests.factories import ParticipantFactory, TripFactory

    trip = TripFactory()
    trip.collecting_since = timezone.now()
    trip.save()
    return ParticipantFactory(trip=trip)


def timed(fn, runs=RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    call_command("migrate", verbosity=0)
    from documents import intake

    participant = setup_participant()
    photo, pdf = phone_jpeg(), two_page_pdf()
    intake.accept(participant, "notice", photo)  # warm-up (imports, data key)

    base = _rss_mb()
    peak = [base]

    def photo_run():
        intake.accept(participant, "notice", photo)
        peak.append(_rss_mb())

    seconds = timed(photo_run)
    print(
        f"bench intake-photo seconds={seconds:.3f} peak_rss_mb={max(peak):.0f} "
        f"input_mb={len(photo) / 1e6:.1f} target_seconds=0.5"
    )

    peak = [_rss_mb()]

    def pdf_run():
        intake.accept(participant, "portal_pdf", pdf)
        peak.append(_rss_mb())

    seconds = timed(pdf_run)
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"bench intake-pdf seconds={seconds:.3f} peak_rss_mb={max(peak):.0f} "
        f"sandbox_peak_rss_mb={child_mb:.0f} pages=2 target_seconds=1.0"
    )

    # Four uploads at once in one web process (threads, as gunicorn gthread would run them).
    others = [setup_participant() for _ in range(4)]
    samples = [_rss_mb()]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [
            pool.submit(intake.accept, p, "notice", photo)
            if i % 2 == 0
            else pool.submit(intake.accept, p, "portal_pdf", pdf)
            for i, p in enumerate(others)
        ]
        while not all(f.done() for f in futures):
            samples.append(_rss_mb())
            time.sleep(0.005)
        for f in futures:
            f.result()
    seconds = time.perf_counter() - start
    process_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"bench intake-concurrent seconds={seconds:.3f} peak_rss_mb={max(samples):.0f} "
        f"process_max_rss_mb={process_peak:.0f} uploads=4 target_rss_mb=300"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        _tmp.cleanup()
