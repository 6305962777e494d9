from __future__ import annotations

from django.template import Context, Template

from schools.people import display_name
from tests.factories import UserFactory


def test_staff_names_are_family_name_first(db):
    user = UserFactory(first_name="太郎", last_name="山田")
    assert display_name(user) == "山田 太郎"
    rendered = Template("{% load people %}{{ user|display_name }}").render(Context({"user": user}))
    assert rendered == "山田 太郎"


def test_the_username_stands_in_when_no_name_is_set(db):
    user = UserFactory(username="teacher7")
    assert display_name(user) == "teacher7"
    assert display_name(None) == ""
