"""bench ocr-screen: the OCR screen on a labelled set of generated phone photos.

Each sample (bench/ocr_samples.py) goes through the image step of intake (images.normalise) and
the screen (documents.screening), timed together per photo. Prints one line:

    bench ocr-screen cases=… my_number_recall=… false_refusals=… card_face_recall=…
        name_match=… p95_s=… (one line)

my_number_recall: card backs with a valid number that were refused as my_number;
false_refusals: samples that hold neither a valid number nor a card face, refused anyway;
card_face_recall: card faces refused (as a face or a number); name_match: samples that print a
name whose name check agreed with the truth (the right child's name found, another child's
roster name flagged). Set OCR_BENCH_CASES to change the size (default 96), OCR_BENCH_VERBOSE=1
for one line per miss.

    .venv/bin/python bench/bench_ocr.py
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schooltrips.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from bench.ocr_samples import NAMES, generate  # noqa: E402
from documents import images, screening  # noqa: E402


def _cpu() -> float:
    """CPU seconds of this process and its finished children (Tesseract): load-independent."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main() -> None:
    cases = int(os.environ.get("OCR_BENCH_CASES", "96"))
    verbose = os.environ.get("OCR_BENCH_VERBOSE") == "1"
    samples = generate(cases)
    seconds, cpu, misses = [], [], []
    mn_total = mn_hit = neg_total = neg_refused = face_total = face_hit = 0
    name_total = name_ok = 0
    for i, sample in enumerate(samples):
        # Every other named sample is checked against another child's roster name.
        wrong = bool(sample.name) and i % 2 == 1
        roster = sample.name
        if wrong:
            roster = next(n for n, _ in NAMES if n != sample.name)
        cpu_started = _cpu()
        started = time.perf_counter()
        clean, _w, _h = images.normalise(sample.data)
        result = screening.screen_pages([clean], names=[roster], expects_name=bool(sample.name))
        seconds.append(time.perf_counter() - started)
        cpu.append(_cpu() - cpu_started)
        if sample.my_number:
            mn_total += 1
            mn_hit += result.refusal == "my_number"
        elif sample.face:
            face_total += 1
            face_hit += bool(result.refusal)
        else:
            neg_total += 1
            neg_refused += bool(result.refusal)
        if sample.name and not result.refusal and not sample.face:
            name_total += 1
            flagged = "name_mismatch" in result.flags
            name_ok += flagged == wrong
            if flagged != wrong:
                misses.append(f"{sample.label} name wrong={wrong} flags={result.flags}")
        expected = "my_number" if sample.my_number else ("face" if sample.face else "")
        if bool(expected) != bool(result.refusal):
            misses.append(f"{sample.label} expected={expected} got={result.refusal} {result.flags}")
    if verbose:
        for miss in misses:
            print(miss, file=sys.stderr)
    p95 = statistics.quantiles(seconds, n=20)[-1]
    load = os.getloadavg()[0]
    print(
        f"bench ocr-screen cases={len(samples)} my_number_recall={mn_hit / max(mn_total, 1):.3f} "
        f"false_refusals={neg_refused / max(neg_total, 1):.3f} "
        f"card_face_recall={face_hit / max(face_total, 1):.3f} "
        f"name_match={name_ok / max(name_total, 1):.3f} p95_s={p95:.2f} "
        f"median_s={statistics.median(seconds):.2f} "
        f"p95_cpu_s={statistics.quantiles(cpu, n=20)[-1]:.2f} load={load:.1f}"
    )


if __name__ == "__main__":
    main()
