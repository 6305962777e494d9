"""A build killed mid-way leaves plaintext pages; the purge and the sweep find and remove them.

Issue 14: the temp folder of a killed build (rendered chunks, HTML with names and insurer
numbers) survived retries and the trip's purge.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings

from tests.servers import site_env

SEED = """
from tests import factories
from tests.packets import samples
trip = factories.TripFactory()
photos = [samples.photo(1600, 2200, seed=i) for i in range(4)]
for i in range(60):
    participant = factories.ParticipantFactory(trip=trip)
    samples.add_document(participant, photos[i % 4], kind="notice_copy")
print(trip.pk)
"""


@pytest.mark.slow
def test_a_killed_build_leaves_nothing_after_the_purge(tmp_path):
    env = site_env(tmp_path / "data")

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("migrate", "-v0")
    trip_id = int(manage("shell", "--no-imports", "-c", SEED).split()[-1])
    work = tmp_path / "data" / "packet-work" / f"trip-{trip_id}"
    build = subprocess.Popen(
        [sys.executable, "manage.py", "build_packet", str(trip_id), "--output",
         str(tmp_path / "out.pdf")],
        env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and build.poll() is None:
            if work.exists() and any(p.is_file() for p in work.rglob("*")):
                break
            time.sleep(0.05)
        assert build.poll() is None, "the build ended before it could be killed"
        os.kill(build.pid, signal.SIGKILL)
    finally:
        build.wait(timeout=30)
    left = [p for p in work.rglob("*") if p.is_file()]
    assert left, "a killed build leaves its plaintext pages (the case under test)"

    manage(
        "shell", "--no-imports", "-c",
        "from django.utils import timezone; from trips.models import Trip; "
        f"Trip.objects.filter(pk={trip_id}).update(cancelled_at=timezone.now())",
    )  # fmt: skip
    manage("purge_expired")
    assert not work.exists()
    certificate = manage(
        "shell", "--no-imports", "-c",
        "from retention.models import DeletionCertificate; "
        f"print(DeletionCertificate.objects.filter(trip_id={trip_id}).count())",
    )  # fmt: skip
    assert certificate.strip() == "1"
