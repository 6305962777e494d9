"""The WeasyPrint side: font subsetting available, URL fetcher locked down."""

from __future__ import annotations

import pytest

from packets.render_html import RefusedURL, make_fetcher, render


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
