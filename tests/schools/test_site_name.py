from __future__ import annotations


def test_site_name_is_japanese_for_japanese_users(client, db):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert 'data-testid="site-name">学校行事の資格確認書類</a>' in page


def test_site_name_is_english_in_english(client, db):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="site-name">Insurance papers for school trips</a>' in page
