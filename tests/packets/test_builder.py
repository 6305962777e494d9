"""The packet PDF itself: cover wording, index page numbers, stamps, vector PDFs, photos."""

from __future__ import annotations

import io
import re
import subprocess

import pikepdf
import pypdf
import pytest
from django.utils import timezone

from packets import placing
from packets.builder import A4, PRINT_DPI, BuildError, build_packet, plan_packet
from packets.placing import PHOTO_NAME
from tests.packets import samples

pytestmark = pytest.mark.slow


def _read(built) -> tuple[bytes, pypdf.PdfReader]:
    data = built.path.read_bytes()
    return data, pypdf.PdfReader(io.BytesIO(data))


@pytest.fixture
def whole(packet_trip):
    with build_packet(packet_trip.trip) as built:
        data, reader = _read(built)
        yield built, data, reader


def _images(pdf) -> list:
    return [
        obj
        for obj in pdf.objects
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
    ]


def _texts(reader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def test_cover_states_the_notice_the_co_payment_and_the_trip(whole, packet_trip):
    _built, _data, reader = whole
    cover = reader.pages[0].extract_text().replace("\n", "")
    assert "厚生労働省 保険局医療課 事務連絡" in cover
    assert "修学旅行" in cover and "部活動" in cover
    assert "2025年）2月12日改正" in cover
    assert "10割" in cover and "一部負担金" in cover and "払い戻し" in cover
    assert "修学旅行 京都" in cover and "京都・奈良" in cover
    trip = packet_trip.trip
    assert trip.start_date.isoformat() in cover and trip.end_date.isoformat() in cover
    assert "075-000-1234" in cover
    assert trip.organiser.get_username() in cover
    # The deletion date guardians consented to (DESIGN §3 retention) is on the cover too.
    assert "削除予定" in cover
    assert timezone.localtime(trip.purge_due_at).strftime("%Y-%m-%d %H:%M") in cover


def test_index_page_numbers_match_where_each_student_starts(whole, packet_trip):
    built, _data, reader = whole
    texts = _texts(reader)
    index = texts[1]
    starts = {}
    for name in ("青木 一郎", "井上 二郎", "上田 三子"):
        line = next(line for line in index.splitlines() if name in line)
        starts[name] = int(line.split()[-1])
    assert starts == {"青木 一郎": 3, "井上 二郎": 4, "上田 三子": 6}
    for name, page in starts.items():
        assert name in texts[page - 1]  # stamped with that student's name from its first page
        if page > 3:  # the page before belongs to someone else (page 2 is the index)
            assert name not in texts[page - 2]
    assert built.pages == len(reader.pages) == 6


def test_index_lists_card_carriers_and_missing_documents(whole):
    _built, _data, reader = whole
    index = reader.pages[1].extract_text()
    card = next(line for line in index.splitlines() if "江藤 四郎" in line)
    missing = next(line for line in index.splitlines() if "大野 五月" in line)
    assert "マイナンバーカード持参" in card
    assert "未提出" in missing


def test_every_page_is_stamped_and_numbered(whole, packet_trip):
    _built, _data, reader = whole
    valid = f"本旅行期間中のみ有効（{packet_trip.trip.end_date.isoformat()} まで）"
    names = {3: "青木 一郎", 4: "井上 二郎", 5: "井上 二郎", 6: "上田 三子"}
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert re.search(rf"(^|\n){number}($|\n)", text), f"page {number} has no number"
        if number in names:
            assert names[number] in text and "修学旅行 京都" in text and valid in text


def test_a_pdf_document_stays_vector(whole):
    _built, data, reader = whole
    # The documents' own text is still text in the packet (not rasterised).
    assert "マーカー甲-p1" in reader.pages[2].extract_text()
    assert "マーカー乙-p2" in reader.pages[4].extract_text()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        images = [
            obj
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
        ]
    assert len(images) == 1  # only the photo


def test_a_photo_page_is_a4_not_upscaled_and_its_jpeg_untouched(whole, packet_trip, tmp_path):
    _built, data, _reader = whole
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[5]
        box = [float(v) for v in page.mediabox]
        assert box[2] - box[0] == pytest.approx(A4[0], abs=0.5)
        assert box[3] - box[1] == pytest.approx(A4[1], abs=0.5)
        image = next(
            obj
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
        )
        assert (int(image.Width), int(image.Height)) == (1200, 1600)
        assert image.Filter == "/DCTDecode"
        assert image.read_raw_bytes() == packet_trip.photo_bytes  # passed through
    # Drawn no larger than at print resolution (pdfimages reports the effective ppi).
    path = tmp_path / "p.pdf"
    path.write_bytes(data)
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True)
    row = listing.stdout.splitlines()[2].split()
    assert row[0] == "6" and int(row[3]) == 1200
    assert float(row[12]) >= PRINT_DPI - 1 and float(row[13]) >= PRINT_DPI - 1


def test_qpdf_check_passes(whole, tmp_path):
    _built, data, _reader = whole
    path = tmp_path / "p.pdf"
    path.write_bytes(data)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_group_packet_holds_only_that_group(packet_trip):
    with build_packet(packet_trip.trip, group_name="2班") as built:
        _data, reader = _read(built)
    text = "".join(_texts(reader))
    assert "井上 二郎" in text and "江藤 四郎" in text
    assert "青木 一郎" not in text and "上田 三子" not in text and "大野 五月" not in text
    assert "マーカー乙-p1" in text and "マーカー甲" not in text
    assert "（2班）" in reader.pages[0].extract_text()
    assert built.pages == len(reader.pages) == 4


def test_the_password_variant_opens_only_with_the_password(packet_trip):
    password = "-tablet 秘密 1"  # a leading dash and spaces are fine
    with build_packet(packet_trip.trip, password=password) as built:
        data = built.path.read_bytes()
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(data))
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(data), password="wrong")
    with pikepdf.open(io.BytesIO(data), password=password) as pdf:
        assert len(pdf.pages) == 6
        assert pdf.encryption.bits == 256
        assert str(pdf.encryption.stream_method).endswith("aesv3")  # AES-256


def test_a_large_photo_is_downscaled_to_print_resolution(school, teacher):
    from tests import factories

    trip = factories.TripFactory(school=school, organiser=teacher)
    participant = factories.ParticipantFactory(trip=trip)
    samples.add_document(participant, samples.photo(3000, 4000), kind="notice_copy")
    with build_packet(trip) as built, pikepdf.open(built.path) as pdf:
        image = next(
            obj
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
        )
        # About 200 dpi for the A4 content box (190 × 273 mm), never more than that + slack.
        assert int(image.Height) <= 273 / 25.4 * PRINT_DPI * 1.05
        assert int(image.Height) >= 273 / 25.4 * PRINT_DPI * 0.5


def test_a_wrong_page_count_fails_the_build_with_a_reason(packet_trip):
    document = packet_trip.pdf_two.documents.get()
    document.pages = 3
    document.save()
    with pytest.raises(BuildError) as caught:
        build_packet(packet_trip.trip)
    assert caught.value.code == "page_count_mismatch"


def test_markup_in_a_name_is_text_and_fetches_nothing(school, teacher):
    from tests import factories

    trip = factories.TripFactory(school=school, organiser=teacher)
    student = factories.StudentFactory(school=school, name="<img src=file:///etc/passwd>")
    participant = factories.ParticipantFactory(trip=trip, student=student)
    samples.add_document(participant, samples.japanese_pdfs([("x", 1)])[0])
    with build_packet(trip) as built:
        _data, reader = _read(built)
    assert "<img src=file:///etc/passwd>" in reader.pages[1].extract_text()
    assert "root:" not in "".join(_texts(reader))


def test_a_long_index_is_numbered_right_across_its_pages(school, teacher):
    from packets.index import ROWS_PER_INDEX_PAGE
    from tests import factories

    trip = factories.TripFactory(school=school, organiser=teacher)
    count = ROWS_PER_INDEX_PAGE * 4 + 1
    factories.ParticipantFactory.create_batch(count, trip=trip)
    last = factories.ParticipantFactory(
        trip=trip, student=factories.StudentFactory(school=school, name="最後 の人", grade=6)
    )
    samples.add_document(last, samples.photo(seed=2), kind="notice_copy")
    plan = plan_packet(trip)
    index_pages = 4 + 1
    assert plan.front_pages == 1 + index_pages
    with build_packet(trip) as built:
        texts = _texts(pypdf.PdfReader(built.path))
    assert len(texts) == plan.front_pages + 1
    for number, text in enumerate(texts, start=1):
        assert re.search(rf"(^|\n){number}($|\n)", text), f"page {number} is misnumbered"
    assert "参加者一覧" in texts[1] and "参加者一覧" in texts[index_pages]
    row = next(line for line in texts[index_pages].splitlines() if "最後 の人" in line)
    assert row.split()[-1] == str(plan.front_pages + 1)
    assert "最後 の人" in texts[-1]


def test_photos_beyond_the_memory_budget_come_from_the_spool_unchanged(
    packet_trip, monkeypatch, tmp_path
):
    # Budget 0: every photo goes to the spool file that becomes the packet document.
    monkeypatch.setattr(placing, "IN_MEMORY_BYTES", 0)
    with build_packet(packet_trip.trip) as built:
        data = built.path.read_bytes()
        assert not (built.path.parent / "photos.pdf").exists()  # plaintext gone with the save
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 6
        images = _images(pdf)
        assert len(images) == 1 and images[0].read_raw_bytes() == packet_trip.photo_bytes
        assert PHOTO_NAME in pdf.pages[5].Resources.XObject
    texts = _texts(pypdf.PdfReader(io.BytesIO(data)))
    assert "上田 三子" in texts[5] and re.search(r"(^|\n)6($|\n)", texts[5])
    path = tmp_path / "p.pdf"
    path.write_bytes(data)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_index_and_stamp_font_is_one_embedded_subset_with_unicode(whole):
    _built, data, _reader = whole
    with pikepdf.open(io.BytesIO(data)) as pdf:
        ours = {
            obj.objgen: obj
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary)
            and obj.get("/Type") == "/Font"
            and str(obj.get("/BaseFont", "")).startswith("/PKSTMP+")
            and obj.get("/Subtype") == "/Type0"
        }
        assert len(ours) == 1  # the index and every stamp share it
        (font,) = ours.values()
        assert "/ToUnicode" in font
        program = font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
    assert len(program) < 40_000  # a subset, not IPAex Gothic's 6 MB
