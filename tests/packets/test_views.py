"""Packet screens and downloads: access per role, headers, audit, the trip page's panel."""

from __future__ import annotations

import pytest
from django.urls import reverse

from packets import services
from packets.models import Packet, PacketStatus, PaperCopy
from schools.models import AuditEvent
from tests import factories
from tests.packets import samples

pytestmark = pytest.mark.slow


@pytest.fixture
def built(packet_trip, teacher, django_capture_on_commit_callbacks) -> Packet:
    with django_capture_on_commit_callbacks(execute=True):
        packet = services.request_build(packet_trip.trip, teacher, role="teacher")
    packet.refresh_from_db()
    assert packet.status == PacketStatus.DONE
    return packet


def _urls(packet) -> list[tuple[str, str]]:
    return [
        ("post", reverse("packets:build", args=[packet.trip_id])),
        ("get", reverse("packets:progress", args=[packet.uuid])),
        ("get", reverse("packets:download", args=[packet.uuid])),
        ("post", reverse("packets:print", args=[packet.uuid])),
        ("post", reverse("packets:delete", args=[packet.uuid])),
    ]


def test_every_packet_url_is_404_for_another_school(client, built, outsider):
    client.force_login(outsider)
    for method, url in _urls(built):
        assert getattr(client, method)(url).status_code == 404, url
    assert Packet.objects.filter(pk=built.pk).exists()


def test_every_packet_url_is_404_for_a_teacher_not_on_the_trip(client, built, school):
    client.force_login(factories.member(school, "teacher"))
    for method, url in _urls(built):
        assert getattr(client, method)(url).status_code == 404, url


def test_every_packet_url_is_403_for_the_admin(client, built, school_admin):
    client.force_login(school_admin)
    for method, url in _urls(built):
        assert getattr(client, method)(url).status_code == 403, url
    assert not AuditEvent.objects.filter(action="packet_downloaded").exists()


def test_anonymous_users_are_sent_to_login(client, built):
    response = client.get(reverse("packets:download", args=[built.uuid]))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["teacher", "nurse", "accompanying"])
def test_the_trips_teachers_and_the_nurse_download_with_safe_headers(
    client, built, who, teacher, nurse, school
):
    user = {"teacher": teacher, "nurse": nurse}.get(who)
    if user is None:
        user = factories.member(school, "teacher")
        built.trip.accompanying.add(user)
    client.force_login(user)
    response = client.get(reverse("packets:download", args=[built.uuid]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "青木" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"].startswith("sandbox")
    event = AuditEvent.objects.get(action="packet_downloaded")
    assert event.actor_id == user.pk and event.object_id == built.pk


def test_the_progress_endpoint_reports_done_with_a_download_link(client, built, teacher):
    client.force_login(teacher)
    data = client.get(reverse("packets:progress", args=[built.uuid])).json()
    assert data["status"] == "done" and data["percent"] == 100
    assert data["download_url"] == reverse("packets:download", args=[built.uuid])


def test_the_progress_endpoint_reports_a_running_build(client, packet_trip, teacher):
    packet = Packet.objects.create(
        trip=packet_trip.trip,
        status="running",
        progress_phase="placing",
        progress_done=3,
        progress_total=12,
    )
    client.force_login(teacher)
    data = client.get(reverse("packets:progress", args=[packet.uuid])).json()
    assert data == {
        "status": "running",
        "phase": "placing",
        "phase_label": "書類の配置",
        "done": 3,
        "total": 12,
        "percent": 25,
        "error": "",
        "download_url": None,
    }


def test_posting_a_build_queues_and_builds_a_group_packet(
    client, packet_trip, nurse, django_capture_on_commit_callbacks
):
    client.force_login(nurse)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("packets:build", args=[packet_trip.trip.pk]),
            {"group_name": "2班", "password": ""},
        )
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("trips:detail", args=[packet_trip.trip.pk]) + "#packets"
    )
    packet = Packet.objects.get()
    assert packet.group_name == "2班" and packet.status == PacketStatus.DONE
    assert packet.pages == 4


def test_an_unknown_group_is_refused(client, packet_trip, teacher):
    client.force_login(teacher)
    client.post(reverse("packets:build", args=[packet_trip.trip.pk]), {"group_name": "9班"})
    assert not Packet.objects.exists()


def test_registering_a_print_records_paper_copies(client, built, teacher):
    client.force_login(teacher)
    response = client.post(
        reverse("packets:print", args=[built.uuid]), {"copies": 2, "holder": teacher.pk}
    )
    assert response.status_code == 302
    assert list(PaperCopy.objects.values_list("copy_number", "holder_id")) == [
        (1, teacher.pk),
        (2, teacher.pk),
    ]
    assert AuditEvent.objects.filter(action="packet_printed").count() == 1


def test_a_paper_copy_holder_must_be_one_of_the_trips_teachers(client, built, teacher, outsider):
    client.force_login(teacher)
    client.post(reverse("packets:print", args=[built.uuid]), {"copies": 1, "holder": outsider.pk})
    assert not PaperCopy.objects.exists()


def test_the_trip_page_shows_the_panel_with_the_stale_flag(client, built, packet_trip, teacher):
    client.force_login(teacher)
    url = reverse("trips:detail", args=[packet_trip.trip.pk])
    page = client.get(url).content.decode()
    assert 'id="packets"' in page and reverse("packets:download", args=[built.uuid]) in page
    assert "packet-stale" not in page
    samples.add_document(packet_trip.missing, samples.photo(seed=9), kind="notice_copy")
    page = client.get(url).content.decode()
    assert "packet-stale" in page


def test_the_trip_page_shows_a_progress_bar_for_a_running_build(client, packet_trip, teacher):
    Packet.objects.create(
        trip=packet_trip.trip, status="running", progress_done=1, progress_total=4
    )
    client.force_login(teacher)
    page = client.get(reverse("trips:detail", args=[packet_trip.trip.pk])).content.decode()
    assert 'data-width="25"' in page and "packet-progress.js" in page
    assert " style=" not in page.split('id="packets"')[1]  # CSP: no inline styles


def test_the_admin_sees_the_list_without_download_links(client, built, packet_trip, school_admin):
    client.force_login(school_admin)
    page = client.get(reverse("trips:detail", args=[packet_trip.trip.pk])).content.decode()
    assert 'id="packets"' in page
    assert reverse("packets:download", args=[built.uuid]) not in page


def test_the_panel_queries_do_not_grow_with_packets(client, packet_trip, teacher):
    url = reverse("trips:detail", args=[packet_trip.trip.pk])
    client.force_login(teacher)
    Packet.objects.create(trip=packet_trip.trip, status="done", built_by=teacher)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        Packet.objects.create(trip=packet_trip.trip, status="done", built_by=teacher)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_download_answers_404_once_the_key_is_destroyed(client, built, teacher):
    # The purge destroys the trip's key first, then the rows: a download asked in between.
    from documents import vault

    vault.destroy_data_key(built.trip_id)
    client.force_login(teacher)
    response = client.get(reverse("packets:download", args=[built.uuid]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="packet_downloaded").exists()


def test_a_second_build_while_one_is_queued_is_refused(client, packet_trip, teacher):
    """No throttle let a double click (or a script) queue build after build (issue 14)."""
    client.force_login(teacher)
    url = reverse("packets:build", args=[packet_trip.trip.pk])
    Packet.objects.create(trip=packet_trip.trip, built_by=teacher, status=PacketStatus.QUEUED)
    response = client.post(url, follow=True)
    assert Packet.objects.filter(trip=packet_trip.trip).count() == 1
    assert "いま作成中" in response.content.decode()


def test_build_requests_per_teacher_are_rate_limited(client, packet_trip, teacher, monkeypatch):
    from packets import views

    monkeypatch.setattr(views.services, "build_in_flight", lambda trip, group_name: False)
    monkeypatch.setattr(views.services, "request_build", lambda *a, **k: None)
    client.force_login(teacher)
    url = reverse("packets:build", args=[packet_trip.trip.pk])
    limit = views.BUILDS_PER_USER[0]
    pages = [client.post(url, follow=True).content.decode() for _ in range(limit + 1)]
    assert all("作成を開始しました" in page for page in pages[:limit])
    assert "多くの作成依頼" in pages[-1]
