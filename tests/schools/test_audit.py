from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from schools.audit import ACTIONS, DETAIL_KEYS, AuditDetailError, record
from schools.models import AuditEvent


def test_record_writes_ids_and_allowed_details(teacher, school):
    event = record("trip_created", actor=teacher, role="teacher", school=school, trip=7, count=3)
    event.refresh_from_db()
    assert event.actor_id == teacher.pk
    assert event.school_id == school.pk
    assert event.trip_id == 7
    assert event.details == {"count": 3}


def test_audit_event_cannot_be_edited_or_deleted(db):
    event = record("login")
    event.action = "logout"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="logout")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "login"


def test_admin_site_offers_no_edit_of_the_audit_log(db, school_admin):
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/")
    request.user = school_admin
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


PERSONAL_VALUES = [
    "山田 太郎",
    "yamada taro",
    "Yamada",
    "my-child.pdf",
    "123456789018",
    "1234 5678 9018",
    "06130012",
    "tok_" + "A" * 30,
    "u/abcDEF123",
    123456789018,
    "０６１３００１２",
]


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_no_event_type_can_carry_personal_data(db, action):
    """Every action, every detail key: names, file names, tokens and numbers are refused."""
    for key in sorted(DETAIL_KEYS):
        for value in PERSONAL_VALUES:
            with pytest.raises(AuditDetailError):
                record(action, **{key: value})
    with pytest.raises(AuditDetailError):
        record(action, name="x")
    # The same action with content-free details is fine.
    record(action, count=1, kind="portal_pdf", dry_run=False)


def test_unknown_action_is_refused(db):
    with pytest.raises(AuditDetailError):
        record("did_something_with_taro")


def test_postgresql_refuses_raw_updates_of_the_audit_log(db):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only (CI runs this)")
    event = record("login")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE schools_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM schools_auditevent WHERE id = %s", [event.pk])
