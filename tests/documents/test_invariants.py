"""Invariants the database holds, and the races around review, reissue and withdrawal."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from documents import intake, links, review
from documents.models import Document, UploadLink
from schools.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def participant(school, teacher):
    trip = factories.TripFactory(school=school, organiser=teacher)
    return factories.ParticipantFactory(trip=trip)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_database_refuses_a_second_live_link(participant):
    factories.UploadLinkFactory(participant=participant)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.UploadLinkFactory(participant=participant)
    # Revoked links may pile up; one live link at a time.
    factories.UploadLinkFactory(participant=participant, revoked_at=timezone.now())


def test_a_double_clicked_reissue_leaves_one_live_link(participant, teacher):
    client = _client(teacher)
    url = f"/documents/trip/{participant.trip_id}/links/{participant.pk}/reissue/"
    links.issue(participant)
    for _ in range(2):
        assert client.post(url).status_code == 302
    assert UploadLink.objects.filter(participant=participant, revoked_at__isnull=True).count() == 1
    assert UploadLink.objects.filter(participant=participant).count() == 3


def test_bulk_links_keep_a_link_issued_meanwhile(participant):
    """links_for_trip read no live link, then one was issued before it wrote: no second one."""
    meanwhile = links.issue(participant)
    participant.live_links = []
    links._issue_many(participant.trip, [participant])
    assert participant.live_links == [meanwhile]
    assert UploadLink.objects.filter(participant=participant).count() == 1


def test_the_database_refuses_a_second_document(participant):
    factories.DocumentFactory(participant=participant)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.DocumentFactory(participant=participant)


def test_reviewing_a_document_withdrawn_meanwhile_says_so(participant, teacher):
    document = factories.DocumentFactory(participant=participant)
    intake.withdraw(participant)  # the guardian, between the page load and the click
    with pytest.raises(review.ReviewRefused) as refused:
        review.accept_document(document, teacher, role="teacher")
    assert refused.value.code == "gone"
    assert not AuditEvent.objects.filter(action="document_accepted").exists()


def test_review_screen_answers_a_clear_message_for_a_replaced_document(participant, teacher):
    document = factories.DocumentFactory(participant=participant)
    client = _client(teacher)
    page = client.get(f"/documents/{document.uuid}/").content.decode()
    assert f'name="trip" value="{participant.trip_id}"' in page
    document.delete()  # replaced by the guardian meanwhile
    for action, data in (("accept", {}), ("reject", {"reason": "不鮮明"})):
        response = client.post(
            f"/documents/{document.uuid}/{action}/",
            {"trip": participant.trip_id, **data},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == f"/documents/trip/{participant.trip_id}/"
        assert "保護者が差し替えたか取り下げました" in response.content.decode()
    # The reviewer was not refused anything: the trail records no access refusal.
    assert not AuditEvent.objects.filter(action="access_denied").exists()


def test_a_stale_review_form_does_not_reveal_another_schools_trip(participant, outsider):
    document = factories.DocumentFactory(participant=participant)
    document.delete()
    response = _client(outsider).post(
        f"/documents/{document.uuid}/accept/", {"trip": participant.trip_id}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("close", ["cancel", "purging"])
def test_review_on_a_closed_trip_is_refused(participant, teacher, close):
    document = factories.DocumentFactory(participant=participant)
    trip = participant.trip
    if close == "cancel":
        trip.cancelled_at = timezone.now()
        trip.save(update_fields=["cancelled_at"])  # no purge yet: the signal waits for commit
    else:
        trip.purge_state = "purging"
        trip.save(update_fields=["purge_state"])
    with pytest.raises(review.ReviewRefused) as refused:
        review.reject_document(document, teacher, "理由", role="teacher")
    assert refused.value.code == "closed"
    document.refresh_from_db()
    assert document.review_state == "pending"
    response = _client(teacher).post(
        f"/documents/{document.uuid}/accept/", {"trip": trip.pk}, follow=True
    )
    assert "中止または削除処理中の旅行" in response.content.decode()


def test_withdrawal_is_refused_once_the_trip_is_locked_meanwhile(participant):
    """The guardian's page was open; the teacher locks before the withdrawal's transaction."""
    factories.DocumentFactory(participant=participant)
    stale = type(participant).objects.select_related("trip").get(pk=participant.pk)
    participant.trip.locked_at = timezone.now()
    participant.trip.save(update_fields=["locked_at"])
    # `stale.trip` still says open: only the locked row read inside the transaction knows.
    assert stale.trip.accepts_guardian_changes
    with pytest.raises(intake.Refusal) as refused:
        intake.withdraw(stale)
    assert refused.value.code == "closed"
    assert Document.objects.filter(participant=participant).exists()
    assert AuditEvent.objects.filter(action="upload_refused").count() == 1
