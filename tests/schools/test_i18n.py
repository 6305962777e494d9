from __future__ import annotations

from django.urls import reverse


def test_login_page_is_japanese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="ja">' in response.content.decode()
    assert "ログイン" in response.content.decode()


def test_language_can_be_switched_to_english(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_error_pages_share_the_site_look(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "bootstrap.min.css" in body and "ページが見つかりません" in body


def test_every_page_sends_a_strict_csp(client, db):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp


def test_media_is_never_served(client, db):
    assert client.get("/media/anything.bin").status_code == 404


def test_server_error_page_renders_without_the_database(rf):
    from schools.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "エラーが発生しました" in response.content.decode()
