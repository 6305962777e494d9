"""The audit log speaks to people: labels for actions and objects; the CSV keeps the codes."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from retention import purge
from retention.models import DeletionCertificate
from schools.audit import (
    ACTION_LABELS,
    ACTIONS,
    OBJECT_TYPE_LABELS,
    action_label,
    object_type_label,
    record,
)
from tests.retention.conftest import filled_trip

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _english(msgid: str) -> str:
    """The msgstr of a one-line msgid in the English catalogue, or '' when it is missing."""
    found = re.search(
        r'^msgid "' + re.escape(msgid) + r'"\nmsgstr "(.*)"$', PO_FILE.read_text(), re.MULTILINE
    )
    return found.group(1) if found else ""


def test_every_audit_action_has_a_label():
    assert set(ACTION_LABELS) == ACTIONS
    with translation.override("ja"):
        for code, label in ACTION_LABELS.items():
            assert str(label) and str(label) != code


def test_every_label_has_an_english_translation():
    # The msgids are Japanese: read them in ja whatever an earlier test left active.
    with translation.override("ja"):
        labels = [str(label) for label in [*ACTION_LABELS.values(), *OBJECT_TYPE_LABELS.values()]]
    missing = [label for label in labels if not _english(label)]
    assert missing == []


def test_labels_fall_back_to_the_code():
    with translation.override("ja"):
        assert str(action_label("purge_completed")) == "削除完了"
        assert str(object_type_label("deletioncertificate")) == "削除証明書"
    assert action_label("something_new") == "something_new"
    assert object_type_label("widget") == "widget"


def test_audit_log_page_shows_labels_not_codes(client, school_admin, school):
    trip = filled_trip(school)
    purge.sweep()
    certificate = DeletionCertificate.objects.get(trip=trip)
    record("trip_locked", actor=school_admin, role="admin", school=school, trip=trip)
    client.force_login(school_admin)
    body = client.get(reverse("retention:audit_log")).content.decode()
    table = body[body.index('id="audit-events"') :]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert "削除完了" in cells and "旅行のロック" in cells
    assert f"削除証明書 #{certificate.pk}" in cells
    assert "管理職" in cells
    for code in ("purge_completed", "trip_locked", "deletioncertificate", "admin"):
        assert code not in cells and f"{code} #{certificate.pk}" not in cells
    # The dropdown filters by code and reads as a label.
    assert '<option value="purge_completed">削除完了</option>' in body


def test_audit_filter_still_filters_by_code(client, school_admin, school):
    record("trip_locked", actor=school_admin, role="admin", school=school)
    record("trip_changed", actor=school_admin, role="admin", school=school)
    client.force_login(school_admin)
    page = client.get(reverse("retention:audit_log"), {"action": "trip_locked"}).context["page"]
    assert [event.action for event in page] == ["trip_locked"]


def test_audit_csv_keeps_the_raw_codes(client, school_admin, school):
    trip = filled_trip(school)
    purge.sweep()
    client.force_login(school_admin)
    response = client.get(reverse("retention:audit_csv"), {"trip": trip.pk})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    completed = [row for row in rows if row["action"] == "purge_completed"]
    assert completed and completed[0]["object"] == "deletioncertificate"
    assert "削除完了" not in text and "削除証明書" not in text
