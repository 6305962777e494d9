"""axe-core (a rule set nobody here wrote) on every main page of every role.

Japanese and English, desktop and phone: no serious or critical violation anywhere; the counts
by rule (all impacts) are printed so that minor ones stay visible. axe-core comes from the npm
registry as a dev dependency (package.json; `make test` runs `npm ci`) and is injected here
only: the site never serves it. The context bypasses our CSP so that the injected script runs.
"""

from __future__ import annotations

import collections
import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from documents import intake, links
from packets.models import Packet, PacketStatus, PaperCopy
from retention.models import IncidentNote
from tests.conftest import PHONE, chromium_page, require_redis
from tests.documents import files
from tests.factories import GuardianFactory, ParticipantFactory, StudentFactory, TripFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
VARIANTS = {
    "ja-desktop": {"locale": "ja-JP", "viewport": {"width": 1280, "height": 900}},
    "en-desktop": {"locale": "en-US", "viewport": {"width": 1280, "height": 900}},
    "ja-phone": {"locale": "ja-JP", **PHONE},
    "en-phone": {"locale": "en-US", **PHONE},
}


def _world(school):
    teacher = member(school, "teacher")
    today = timezone.localdate()
    trip = TripFactory(
        school=school,
        organiser=teacher,
        title="京都・奈良 修学旅行",
        start_date=today,
        end_date=today + datetime.timedelta(days=2),
        collection_deadline=today,
        collecting_since=timezone.now(),
    )
    student = StudentFactory(school=school, name="佐藤 花子", kana="さとう はなこ")
    GuardianFactory(school=school, email="parent@example.jp").students.add(student)
    participant = ParticipantFactory(trip=trip, student=student)
    ParticipantFactory(trip=trip)
    token = links.token_for(links.issue(participant))
    document = intake.accept(participant, "portal_pdf", files.blank_pdf(1))
    packet = Packet.objects.create(trip=trip, status=PacketStatus.DONE, finished_at=timezone.now())
    PaperCopy.objects.create(trip=trip, packet=packet, copy_number=1, holder=teacher)
    IncidentNote.objects.create(participant=participant, date=today, place="市立病院")
    return {
        "teacher": teacher,
        "nurse": member(school, "nurse"),
        "admin": member(school, "admin"),
        "trip": trip,
        "participant": participant,
        "document": document,
        "token": token,
    }


def _pages(world) -> dict[str, list[str]]:
    trip, participant = world["trip"], world["participant"]
    t, u = trip.pk, world["document"].uuid
    return {
        "anonymous": ["/login/", f"/u/{world['token']}/", f"/u/{world['token']}/receipt/"],
        "teacher": [
            "/",
            "/trips/",
            "/trips/new/",
            f"/trips/{t}/",
            f"/trips/{t}/edit/",
            f"/trips/{t}/participants/add/",
            f"/trips/{t}/groups/",
            f"/documents/trip/{t}/",
            f"/documents/{u}/",
            f"/tripday/{t}/",
            f"/tripday/{t}/p/{participant.pk}/",
            "/roster/",
            "/roster/import/",
            "/retention/paper-copies/",
        ],
        "nurse": ["/", f"/trips/{t}/", f"/documents/trip/{t}/", f"/retention/trips/{t}/incidents/"],
        "admin": [
            "/",
            "/retention/",
            "/retention/audit/",
            f"/trips/{t}/",
            f"/retention/trips/{t}/incidents/",
        ],
    }


def _login(page, user) -> None:
    page.context.clear_cookies()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": page.live_server_url}]
    )


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,"
        " targets: v.nodes.slice(0, 6).map(n => n.target.join(' '))}))"
    )
    return result


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_axe_finds_no_serious_violation(live_server, school, variant):
    require_redis()
    assert AXE.exists(), "run `npm ci` (make test does) to install axe-core"
    world = _world(school)
    counts: collections.Counter[str] = collections.Counter()
    blocking = []
    checked = 0
    with chromium_page(live_server, bypass_csp=True, **VARIANTS[variant]) as page:
        for role, paths in _pages(world).items():
            _login(page, None if role == "anonymous" else world[role])
            for path in paths:
                response = page.goto(page.live_server_url + path)
                assert response.status == 200, (role, path, response.status)
                lang = page.locator("html").get_attribute("lang")
                assert lang == variant[:2], (role, path, lang)
                for violation in _axe(page):
                    counts[f"{violation['id']} ({violation['impact']})"] += violation["nodes"]
                    if violation["impact"] in BLOCKING:
                        blocking.append((role, path, violation))
                checked += 1
    print(f"\naxe {variant}: {checked} pages; violations by rule:")
    for rule, count in sorted(counts.items()) or [("none", 0)]:
        print(f"  {rule}: {count}")
    for role, path, violation in blocking:
        print(f"  BLOCKING {role} {path}: {violation['id']} {violation['targets']}")
    assert not blocking, f"{len(blocking)} serious or critical violations (listed above)"
