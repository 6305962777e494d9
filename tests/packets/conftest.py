from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories
from tests.packets import samples


@dataclass
class PacketTrip:
    trip: object
    pdf_one: object  # participant with a 1-page PDF (group 1班)
    pdf_two: object  # participant with a 2-page PDF (group 2班)
    photo: object  # participant with a photo (group 1班)
    card: object  # card carried (group 2班)
    missing: object  # nothing accepted (group 1班)
    photo_bytes: bytes


def _participant(trip, *, name, number, group):
    student = factories.StudentFactory(
        school=trip.school, name=name, number=number, grade=2, class_name="3"
    )
    return factories.ParticipantFactory(trip=trip, student=student, group_name=group)


@pytest.fixture
def packet_trip(school, teacher) -> PacketTrip:
    trip = factories.TripFactory(
        school=school,
        organiser=teacher,
        title="修学旅行 京都",
        destination="京都・奈良",
        contact_phone="075-000-1234",
    )
    pdfs = samples.japanese_pdfs([("マーカー甲", 1), ("マーカー乙", 2)])
    photo_bytes = samples.photo(1200, 1600)
    pdf_one = _participant(trip, name="青木 一郎", number=1, group="1班")
    samples.add_document(pdf_one, pdfs[0])
    pdf_two = _participant(trip, name="井上 二郎", number=2, group="2班")
    samples.add_document(pdf_two, pdfs[1])
    photo = _participant(trip, name="上田 三子", number=3, group="1班")
    samples.add_document(photo, photo_bytes, kind="notice_copy")
    card = _participant(trip, name="江藤 四郎", number=4, group="2班")
    card.state = "card_carried"
    card.save()
    missing = _participant(trip, name="大野 五月", number=5, group="1班")
    return PacketTrip(trip, pdf_one, pdf_two, photo, card, missing, photo_bytes)
