"""The WeasyPrint side: font subsetting available, URL fetcher locked down."""

from __future__ import annotations

import pytest

from documents.fetcher import RefusedURL, make_fetcher
from packets.render_html import render


def test_weasyprint_can_subset_fonts_with_harfbuzz():
    from weasyprint.pdf import fonts

    assert fonts.harfbuzz_subset is not None


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/x.css",
        "https://example.invalid/f.ttf",
        "data:text/css,x",
    ],
)
def test_the_fetcher_refuses_everything_but_our_font(url):
    fetcher = make_fetcher(
        {"packet:/fonts/ipaexg.ttf": "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"}
    )
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.fetch("packet:/fonts/ipaexg.ttf").read()[:4] in (b"\x00\x01\x00\x00", b"OTTO")


def test_a_document_linking_a_local_file_renders_without_it(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = f'<link rel=stylesheet href="file://{secret}"><img src="file:///etc/hostname"><p>x</p>'
    pdf, pages = render(html, {})
    assert pages == 1 and pdf.startswith(b"%PDF")


@pytest.mark.slow
def test_stopping_the_build_kills_the_cover_render(packet_trip, tmp_path):
    import psutil

    from packets.builder import plan_packet
    from packets.frontmatter import Cover

    cover = Cover(plan_packet(packet_trip.trip), tmp_path)
    try:
        child = psutil.Process(cover.process.pid)
        assert child.is_running()
    finally:
        cover.stop()
    assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE
    assert not list(tmp_path.glob("*.html"))  # the names in clear are gone


@pytest.mark.slow
def test_a_warm_worker_keeps_a_spare_renderer_for_the_next_cover(packet_trip, monkeypatch):
    from packets import frontmatter
    from packets.builder import build_packet

    monkeypatch.setattr(frontmatter, "_spare", None)
    monkeypatch.setattr(frontmatter, "_spare_wanted", False)
    frontmatter.warm_up()
    spare = frontmatter._spare
    assert spare is not None and spare.poll() is None
    taken = []
    original = frontmatter._take_spare

    def take():
        taken.append(original())
        return taken[-1]

    monkeypatch.setattr(frontmatter, "_take_spare", take)
    try:
        with build_packet(packet_trip.trip) as built:
            assert not built.cover_cached
        assert taken == [spare]  # the cover was laid out by the process started in advance
        assert frontmatter._spare is not None and frontmatter._spare is not spare
        assert frontmatter._spare.poll() is None  # the next build's spare is waiting
    finally:
        if frontmatter._spare is not None:
            frontmatter._kill(frontmatter._spare)


def test_the_spare_warms_up_in_the_cover_font_and_leaves_as_soon_as_it_answers(tmp_path):
    import json

    from packets import frontmatter

    process = frontmatter._spawn_renderer()
    try:
        assert process.args[-2:] == [frontmatter.FONT_URL, frontmatter.font_path()]
        html = tmp_path / "cover.html"
        html.write_text(
            f"<style>@font-face {{ font-family: p; src: url('{frontmatter.FONT_URL}'); }}"
            "html { font-family: p; }</style><p>医療機関・薬局の皆様へ</p>",
            encoding="utf-8",
        )
        request = {
            "resources": {frontmatter.FONT_URL: frontmatter.font_path()},
            "html": str(html),
            "pdf": str(tmp_path / "cover.pdf"),
        }
        out, _err = process.communicate(json.dumps(request).encode(), timeout=60)
        assert process.returncode == 0
        assert json.loads(out.decode().strip().splitlines()[-1])["pages"] == 1
        assert (tmp_path / "cover.pdf").read_bytes().startswith(b"%PDF")
    finally:
        frontmatter._kill(process)
