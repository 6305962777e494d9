"""A real worker's output after an invitation and a rejection holds no token, name or reason.

The worker runs as its own process (`celery -A schooltrips worker`), as in production, so its
logging is configured by Celery's start-up and not by the test runner (issue 14).
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings

from tests.conftest import require_redis
from tests.servers import site_env

SEED = """
from tests import factories
from documents import links, vault
from documents.models import Document, DocumentKind, ReviewState
school = factories.SchoolFactory()
student = factories.StudentFactory(school=school, name="カナリア 花子")
guardian = factories.GuardianFactory(school=school, email="kanaria@example.jp")
student.guardians.add(guardian)
trip = factories.TripFactory(school=school)
participant = factories.ParticipantFactory(trip=trip, student=student)
link = links.issue(participant)
document = Document(participant=participant, kind=DocumentKind.NOTICE, content_type="image/jpeg",
                    size=3, sha256="0" * 64, pages=1,
                    review_state=ReviewState.REJECTED, reject_reason="REASONCANARY 写真が不鮮明")
document.storage_name = vault.store(participant.trip_id, b"abc", aad=document.aad)
document.save()
print(link.pk, document.pk, links.url_for(link).rsplit("/u/", 1)[1].strip("/"))
"""


@pytest.mark.worker
@pytest.mark.slow
def test_worker_output_holds_no_token_name_or_reason(tmp_path):
    require_redis()
    env = site_env(tmp_path / "data", DJANGO_DEBUG="1", REDIS_URL=settings.REDIS_URL)
    env.pop("EMAIL_BACKEND", None)

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("migrate", "-v0")
    link_id, document_id, token = manage("shell", "--no-imports", "-c", SEED).split()
    queue = f"test-logs-{uuid.uuid4().hex[:10]}"
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "schooltrips", "worker", "-P", "solo",
             "-Q", queue, "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
            env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            send = "from schooltrips.celery import app\n" + "\n".join(
                f"app.send_task('documents.{name}', kwargs={{'{key}': {pk}}}, queue='{queue}')"
                for name, key, pk in (
                    ("send_invitation", "link_id", link_id),
                    ("send_rejection", "document_id", document_id),
                )
            )
            manage("shell", "--no-imports", "-c", send)
            deadline = time.monotonic() + 90
            while log_path.read_text().count("succeeded") < 2 and time.monotonic() < deadline:
                time.sleep(0.5)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    output = log_path.read_text()
    assert output.count("succeeded") == 2, output[-2000:]
    assert output.count("mail not sent (development backend): 1 recipient(s)") == 2
    for secret in (token, "カナリア", "REASONCANARY", "kanaria@example.jp"):
        assert secret not in output
