from __future__ import annotations

import datetime
import hashlib
import secrets

import factory
from django.contrib.auth import get_user_model

from documents import vault
from documents.models import Document, DocumentKind, UploadLink
from packets.models import Packet, PacketStatus
from schools.models import Board, BoardAdmin, Membership, School
from students.models import Guardian, Student
from trips.models import Participant, Trip, TripKind

PASSWORD = "correct-horse-battery"


class BoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Board

    code = factory.Sequence(lambda n: f"B{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}市教育委員会")


def board_admin(board: Board):
    user = UserFactory()
    BoardAdmin.objects.create(user=user, board=board)
    return user


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    code = factory.Sequence(lambda n: f"S{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}中学校")
    grace_days = 3


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = "teacher"


def member(school: School, role: str):
    return MembershipFactory(school=school, role=role).user


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    student_number = factory.Sequence(lambda n: f"{20240000 + n}")
    grade = 2
    class_name = "1"
    number = factory.Sequence(lambda n: n % 40 + 1)
    name = factory.Sequence(lambda n: f"山田 太郎{n}")
    kana = factory.Sequence(lambda n: f"やまだ たろう{n}")


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"山田 花子{n}")
    email = factory.Sequence(lambda n: f"guardian{n}@example.jp")


class TripFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trip

    school = factory.SubFactory(SchoolFactory)
    title = factory.Sequence(lambda n: f"修学旅行 {n}")
    kind = TripKind.SCHOOL_TRIP
    destination = "京都・奈良"
    start_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=30))
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=2))
    organiser = factory.LazyAttribute(lambda o: member(o.school, "teacher"))
    contact_phone = "03-0000-0000"


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    trip = factory.SubFactory(TripFactory)
    student = factory.LazyAttribute(lambda o: StudentFactory(school=o.trip.school))
    group_name = "1班"


class _StoredInVault(factory.django.DjangoModelFactory):
    """`content` (not a field) is encrypted into the vault and the row points to it."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, content: bytes = b"", **kwargs):
        obj = model_class(*args, **kwargs)
        if content:
            trip_id = obj.participant.trip_id if hasattr(obj, "participant") else obj.trip_id
            obj.storage_name = vault.store(trip_id, content, aad=obj.aad)
        obj.save()
        return obj


class DocumentFactory(_StoredInVault):
    """A stored document: `content` is encrypted into the vault under the trip's key.

    `content=b""` makes a card declaration (no file).
    """

    class Meta:
        model = Document

    participant = factory.SubFactory(ParticipantFactory)
    kind = DocumentKind.PORTAL_PDF
    content = factory.Sequence(lambda n: b"%PDF-1.7 canary " + str(n).encode())
    content_type = factory.LazyAttribute(lambda o: "application/pdf" if o.content else "")
    size = factory.LazyAttribute(lambda o: len(o.content))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    pages = 1


class PacketFactory(_StoredInVault):
    """A built packet whose `content` is stored encrypted in the vault."""

    class Meta:
        model = Packet

    trip = factory.SubFactory(TripFactory)
    status = PacketStatus.DONE
    content = b"%PDF-1.7 packet"
    size = factory.LazyAttribute(lambda o: len(o.content))
    pages = 3


class UploadLinkFactory(factory.django.DjangoModelFactory):
    """A live link; tests that need the token use documents.links.issue instead."""

    class Meta:
        model = UploadLink

    participant = factory.SubFactory(ParticipantFactory)
    token_hash = factory.LazyFunction(lambda: hashlib.sha256(secrets.token_bytes(16)).hexdigest())
