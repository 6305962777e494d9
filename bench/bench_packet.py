"""Benchmark the packet build (DESIGN.md §5): `bench packet-320 ...` and `bench packet-40 ...`.

A synthetic trip: half the participants with a 1–2 page Japanese-text PDF, half with a phone
photo (3000×4000 JPEG of 2–5 MB sent through intake's normalisation), all stored encrypted in
the vault. The build runs in a child process (`build_packet`, the function the task uses) so its
peak RSS is measured as the largest sum, sampled every 10 ms, of its RSS and its children's
(the spare WeasyPrint renderer runs alongside it).

Baseline: the same stored documents decrypted to files, photos wrapped into one-page PDFs by
img2pdf, concatenated by `qpdf --empty --pages ... -- out.pdf` (both steps timed): the
near-limit of the work. ratio = seconds / baseline_seconds.

Run: .venv/bin/python bench/bench_packet.py   (temporary DATA_DIR and SQLite; nothing kept)
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (320, 40)
WARM_UP_SECONDS = 3


def _setup_django(data_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "schooltrips.settings"
    os.environ["DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    from schooltrips import datadir

    datadir.prepare(Path(data_dir), development=True)
    django.setup()


def _original_photo(seed: int) -> bytes:
    """A 3000×4000 phone-like JPEG of 2–5 MB (gradient and noise, no two alike)."""
    from PIL import Image

    width, height = 3000, 4000
    base = Image.linear_gradient("L").resize((width, height))
    sigma = 18 + seed % 25
    noise = Image.effect_noise((width // 4, height // 4), sigma).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    image = Image.merge("RGB", (base, noise, base.transpose(Image.Transpose.FLIP_TOP_BOTTOM)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90 + seed % 5)
    return buffer.getvalue()


def _make_trip(size: int):
    from documents import images
    from tests import factories
    from tests.packets import samples

    school = factories.SchoolFactory()
    trip = factories.TripFactory(school=school, title=f"修学旅行 ベンチ {size}")
    half = size // 2
    pdfs = samples.japanese_pdfs([(f"生徒{i:03d}", 1 + i % 2) for i in range(half)])
    for i in range(size):
        participant = factories.ParticipantFactory(
            trip=trip,
            group_name=f"{i % 8 + 1}班",
            student=factories.StudentFactory(school=school, class_name=str(i % 8 + 1)),
        )
        if i % 2 == 0:
            samples.add_document(participant, pdfs[i // 2], kind="portal_pdf")
        else:
            clean, _w, _h = images.normalise(_original_photo(i))
            samples.add_document(participant, clean, kind="notice_copy")
    return trip


def _baseline(trip, work: Path) -> tuple[float, int]:
    """img2pdf for photos + qpdf join, from the same stored documents (decryption not timed)."""
    import img2pdf

    from documents.services import documents_for_packet

    files = []
    for document in documents_for_packet(trip):
        data = document.read_content()
        path = work / f"doc-{document.pk}"
        path.write_bytes(data)
        files.append((path, document.content_type))
    started = time.perf_counter()
    pdfs = []
    for path, content_type in files:
        if content_type == "application/pdf":
            pdfs.append(path)
        else:
            target = path.with_suffix(".pdf")
            layout = img2pdf.get_layout_fun(
                (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297)), auto_orient=True
            )
            target.write_bytes(img2pdf.convert(str(path), layout_fun=layout))
            pdfs.append(target)
    output = work / "baseline.pdf"
    subprocess.run(["qpdf", "--empty", "--pages", *map(str, pdfs), "--", str(output)], check=True)
    seconds = time.perf_counter() - started
    return seconds, output.stat().st_size


class TreeRSS(threading.Thread):
    """Samples the RSS of this process plus all its children every 10 ms; keeps the peak sum.

    (ru_maxrss is no use here: Linux carries it across fork+exec, so every child would report
    at least its parent's size. For the same reason a child not yet exec'd is not counted.)
    """

    def __init__(self):
        super().__init__(daemon=True)
        import psutil

        self.me = psutil.Process()
        self.peak = 0
        self.peak_self = 0
        self.running = True

    def run(self) -> None:
        import psutil

        mine = self.me.cmdline()
        while self.running:
            total = own = self.me.memory_info().rss
            for proc in self.me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    # A child caught between (v)fork and exec still runs our program in our
                    # memory: its RSS is ours counted twice (a spare renderer being started).
                    if proc.cmdline() == mine:
                        continue
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            self.peak_self = max(self.peak_self, own)
            time.sleep(0.01)


def child(trip_id: int) -> None:
    """Build once in this fresh process and print the measurements as JSON."""
    from packets.builder import build_packet
    from packets.frontmatter import warm_up
    from trips.models import Trip

    trip = Trip.objects.get(pk=trip_id)
    # As a worker process does at start (packets.tasks): libraries loaded, a cover renderer
    # ready. The build is timed as a worker that has been up for a few seconds runs it.
    warm_up()
    time.sleep(WARM_UP_SECONDS)
    sampler = TreeRSS()
    sampler.start()
    started = time.perf_counter()
    with build_packet(trip) as built:
        seconds = time.perf_counter() - started
        result = {
            "seconds": seconds,
            "pages": built.pages,
            "bytes": built.size,
            "timings": built.timings,
        }
    sampler.running = False
    sampler.join()
    result.update(peak_mb=sampler.peak / 2**20, rss_build_mb=sampler.peak_self / 2**20)
    print(json.dumps(result))


def main() -> None:
    keep = os.environ.get("BENCH_KEEP_DIR")  # reuse/keep the synthetic data while tuning
    data_dir = keep or tempfile.mkdtemp(prefix="bench-packet-")
    try:
        _setup_django(data_dir)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        for size in SIZES:
            trip = _make_trip(size)
            work = Path(tempfile.mkdtemp(dir=data_dir))
            baseline_seconds, baseline_bytes = _baseline(trip, work)
            shutil.rmtree(work)
            env = {**os.environ, "DATA_DIR": data_dir}
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(trip.pk)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            measured = json.loads(out.strip().splitlines()[-1])
            # Peak of the whole build: this process plus its spare renderer.
            peak = measured["peak_mb"]
            phases = measured["timings"]
            print(
                f"bench packet-{size} seconds={measured['seconds']:.2f} peak_rss_mb={peak:.0f} "
                f"baseline_seconds={baseline_seconds:.2f} "
                f"ratio={measured['seconds'] / baseline_seconds:.2f} "
                f"bytes_ratio={measured['bytes'] / baseline_bytes:.3f} "
                f"front_s={phases['front']:.2f} placing_s={phases['placing']:.2f} "
                f"join_s={phases['join']:.2f} stamps_s={phases['stamps']:.2f} "
                f"pages={measured['pages']} bytes={measured['bytes']} "
                f"baseline_bytes={baseline_bytes} "
                f"rss_build_mb={measured['rss_build_mb']:.0f}",
                flush=True,
            )
    finally:
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _setup_django(os.environ["DATA_DIR"])
        child(int(sys.argv[2]))
    else:
        main()
