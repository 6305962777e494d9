"""Load run (issue 11): prints `bench load-uploads users=200 rps=… p50_ms=… p95_ms=… …`.

Starts the site as `make run` does (honcho with the Procfile: gunicorn, the workers, beat) on a
free loopback port with a temporary DATA_DIR (SQLite) and a private key space in Redis, then
runs locust headless: 200 guardians uploading 2-4 MB phone photos of documents and PDFs (each
once, at a moment spread over the first half of the run, after reading the page), 50 teachers
browsing their trip pages and building packets. Bounded in users and seconds (BENCH_LOAD_SECONDS,
default 120); everything stops by itself. Reports the upload p50/p95 (uploads the pipeline took),
the requests per second, errors (5xx, dropped connections, a good file refused; a rate-limit or
busy page is not one), busy answers apart, the guardian's whole wait including resends after a
busy answer, and the web tier's RSS (peak, start, middle, end).

Run: .venv/bin/python bench/bench_load.py
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
GUARDIANS, TEACHERS = 200, 50
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "120"))
# Guardians open their links at moments spread over the first half of the run.
ARRIVAL_SECONDS = int(os.environ.get("BENCH_ARRIVAL_SECONDS", str(SECONDS // 2)))

SEED = """
import json
from django.contrib.auth import get_user_model
from django.utils import timezone
from documents import links
from schools.models import Membership, School
from students.models import Student
from trips.models import Participant, Trip
import datetime
school = School.objects.create(code="LOAD01", name="負荷試験中学校")
User = get_user_model()
teachers = []
for n in range(__TEACHERS__):
    user = User.objects.create_user(username=f"t{n:03d}", password="load-test-password")
    Membership.objects.create(user=user, school=school, role="teacher")
    teachers.append(user)
start = timezone.localdate() + datetime.timedelta(days=30)
tokens, pairs = [], []
for t in range(4):
    mine = teachers[t::4]
    trip = Trip.objects.create(
        school=school, title=f"修学旅行 {t}", kind="school_trip", destination="京都",
        organiser=mine[0],
        start_date=start, end_date=start + datetime.timedelta(days=2),
        collecting_since=timezone.now(),
    )
    trip.accompanying.set(mine[1:])
    pairs += [[u.username, trip.pk] for u in mine]
    for n in range(__GUARDIANS__ // 4):
        student = Student.objects.create(
            school=school, name=f"生徒 {t}-{n}", number=n + 1, grade=2, class_name=str(t + 1),
            student_number=f"L{t}{n:03d}",
        )
        participant = Participant.objects.create(trip=trip, student=student)
        tokens.append(links.token_for(links.issue(participant)))
print(json.dumps({"tokens": tokens, "teachers": pairs, "password": "load-test-password"}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _web_rss_mb(root: psutil.Process) -> float:
    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            if "gunicorn" in " ".join(process.cmdline()):
                total += process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 1e6


def _stats(prefix: str) -> dict[str, dict[str, str]]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    port = _free_port()
    venv_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_NAME")}
    env.update(
        DATA_DIR=str(work / "data"),
        PORT=str(port),
        PATH=f"{venv_bin}:{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="schooltrips.settings",
        BROKER_KEY_PREFIX=f"bench-{uuid.uuid4().hex[:8]}:",
        CACHE_KEY_PREFIX=f"bench-{uuid.uuid4().hex[:8]}",
        NUM_PROXIES="1",
        LOG_LEVEL="WARNING",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "prepare_data_dir", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    seed = SEED.replace("__TEACHERS__", str(TEACHERS)).replace("__GUARDIANS__", str(GUARDIANS))
    seeded = subprocess.run(
        [*manage, "shell", "--no-imports", "-c", seed],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if seeded.returncode:
        raise SystemExit("seeding failed:\n" + seeded.stderr[-3000:])
    out = seeded.stdout
    fixture = work / "fixture.json"
    fixture.write_text(out.strip().splitlines()[-1], encoding="utf-8")

    log = open(work / "honcho.log", "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    site = subprocess.Popen(
        [f"{venv_bin}/honcho", "start", "-f", "Procfile"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    samples: list[float] = []
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the site did not start; see " + str(work / "honcho.log"))
            time.sleep(0.5)
        root = psutil.Process(site.pid)

        def sample() -> None:
            while not stop.wait(1.0):
                samples.append(_web_rss_mb(root))

        threading.Thread(target=sample, daemon=True).start()
        prefix = str(work / "locust")
        subprocess.run(
            [
                f"{venv_bin}/locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(GUARDIANS + TEACHERS),
                "--spawn-rate",
                "25",
                "--run-time",
                f"{SECONDS}s",
                "--stop-timeout",
                "30",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={
                **env,
                "BENCH_FIXTURE": str(fixture),
                "BENCH_ARRIVAL_SECONDS": str(ARRIVAL_SECONDS),
            },
            cwd=ROOT,
            timeout=SECONDS + 180,
            stdout=subprocess.DEVNULL,
        )
    finally:
        stop.set()
        os.killpg(site.pid, signal.SIGTERM)
        try:
            site.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(site.pid, signal.SIGKILL)
        log.close()
    stats = _stats(prefix)
    upload, total = stats["upload"], stats["Aggregated"]
    # Busy answers (503 with Retry-After, a clear page, nothing kept) are not errors: their own
    # row, and the guardian's whole wait (first press to receipt, resends included) another.
    busy = stats.get("upload busy", {})
    flow = stats.get("upload incl. retries", {})
    errors = int(total["Failure Count"])
    start_rss = samples[0] if samples else 0.0
    quarter = len(samples) // 4
    print(
        f"bench load-uploads users={GUARDIANS} teachers={TEACHERS} seconds={SECONDS} "
        f"uploads={upload['Request Count']} rps={float(total['Requests/s']):.1f} "
        f"p50_ms={upload['50%']} p95_ms={upload['95%']} errors={errors} "
        f"busy={busy.get('Request Count', 0)} "
        f"with_retries_p95_ms={flow.get('95%', 'n/a')} "
        f"web_rss_mb={max(samples, default=0):.0f} web_rss_start_mb={start_rss:.0f} "
        f"web_rss_mid_mb={samples[2 * quarter] if samples else 0:.0f} "
        f"web_rss_end_mb={samples[-1] if samples else 0:.0f} "
        f"loadavg={os.getloadavg()[0]:.1f}"
    )
    with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
        for row in list(csv.DictReader(handle))[:5]:
            print(f"  failure {row['Method']} {row['Name']}: {row['Error'][:120]}", file=sys.stderr)


if __name__ == "__main__":
    main()
