"""A real Celery worker on Redis builds a packet; the progress endpoint moves to done."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from packets.models import Packet
from tests import factories
from tests.packets import samples


@pytest.mark.worker
@pytest.mark.slow
def test_a_real_worker_builds_a_packet_and_progress_reaches_done(celery_worker_on_redis, client):
    from schooltrips.celery import app

    assert app.conf.task_always_eager is False
    school = factories.SchoolFactory()
    teacher = factories.member(school, "teacher")
    trip = factories.TripFactory(school=school, organiser=teacher)
    pdfs = samples.japanese_pdfs([("甲", 1), ("乙", 2)])
    for content in [*pdfs, samples.photo(seed=1)]:
        samples.add_document(factories.ParticipantFactory(trip=trip), content)
    client.force_login(teacher)
    response = client.post(reverse("packets:build", args=[trip.pk]), {"group_name": ""})
    assert response.status_code == 302
    packet = Packet.objects.get()
    url = reverse("packets:progress", args=[packet.uuid])
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        data = client.get(url).json()
        seen.append(data["status"])
        if data["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert data["status"] == "done", data
    assert data["done"] == data["total"] == 6  # front matter, 3 documents, join, storing
    assert data["download_url"]
    download = client.get(data["download_url"])
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    # The worker moved it forward only: queued, then running, then done; never failed.
    order = ["queued", "running", "done"]
    assert set(seen) <= set(order) and seen == sorted(seen, key=order.index)
