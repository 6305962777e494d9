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


def _long_index_plan(school, teacher):
    """A plan whose index is long enough to render as two jobs (cover + 2 pages, then 2)."""
    from packets.builder import plan_packet
    from packets.frontmatter import ROWS_PER_INDEX_PAGE, SPLIT_FROM_INDEX_PAGES
    from tests import factories

    trip = factories.TripFactory(school=school, organiser=teacher)
    count = ROWS_PER_INDEX_PAGE * SPLIT_FROM_INDEX_PAGES
    factories.ParticipantFactory.create_batch(count, trip=trip)
    return plan_packet(trip)


@pytest.mark.slow
def test_a_long_index_renders_both_jobs_from_one_child_process(
    school, teacher, tmp_path, monkeypatch
):
    """One child imports WeasyPrint once (~0.4 s of CPU) and forks the second job."""
    import subprocess

    import pypdf

    from packets.frontmatter import FrontMatter

    plan = _long_index_plan(school, teacher)
    started = []
    popen = subprocess.Popen

    def counting_popen(args, *rest, **kwargs):
        if "packets.render_html" in args:
            started.append(args)
        return popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", counting_popen)
    front = FrontMatter(plan, tmp_path)
    try:
        front.wait(timeout=120)
    finally:
        front.stop()
    assert len(started) == 1
    assert [len(pypdf.PdfReader(path).pages) for path in front.front_paths] == [3, 2]
    assert not list(tmp_path.glob("*.html"))  # the names in clear are gone


@pytest.mark.slow
def test_stopping_the_front_matter_kills_the_forked_job_too(school, teacher, tmp_path):
    import time

    import psutil

    from packets.frontmatter import FrontMatter

    plan = _long_index_plan(school, teacher)
    front = FrontMatter(plan, tmp_path)
    try:
        leader = psutil.Process(front.render.process.pid)
        deadline = time.monotonic() + 30
        while not (jobs := leader.children()) and time.monotonic() < deadline:
            time.sleep(0.002)
    finally:
        front.stop()
    assert jobs, "the second job was never forked"

    def gone(process) -> bool:
        try:
            return process.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    deadline = time.monotonic() + 10
    while not all(gone(p) for p in [leader, *jobs]) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(gone(p) for p in [leader, *jobs])
