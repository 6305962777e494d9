"""The OCR screen on photos and image-only PDFs: refusals, flags, the not-screened path, no leaks.

The pictures are made here with the bench generator (IPAex font), small and only mildly degraded,
so each Tesseract run stays short; accuracy on hard photos is measured in bench/bench_ocr.py.
"""

from __future__ import annotations

import io
import logging
import os
import random
import stat
import tempfile

import img2pdf
import pytest
from django.conf import settings as django_settings
from django.db import connection

from bench import ocr_samples
from documents import intake, ocr, screening
from documents.models import Document, Screen
from schools.models import AuditEvent

NAME = "山田 太郎"  # the participant fixture's roster name
OTHER = "鈴木 花子"


def _photo(flat, *, rotation: int = 0, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    return ocr_samples.photograph(
        rng, flat, rotation=rotation, long_side=1400, quality=88, blur=0.6
    )


def card_back(valid: bool = True, style: str = "spaces", seed: int = 1) -> bytes:
    flat = ocr_samples.card_back(random.Random(seed), NAME, valid=valid, style=style)
    return _photo(flat, seed=seed)


def card_face() -> bytes:
    return _photo(ocr_samples.card_face(random.Random(3), NAME))


def notice(name: str = NAME, *, insurer_valid: bool = True) -> tuple[bytes, str]:
    flat, insurer = ocr_samples.notice_card(random.Random(5), name, insurer_valid=insurer_valid)
    return _photo(flat), insurer


def _refused(participant, data: bytes, code: str, kind: str = "notice_copy") -> None:
    with pytest.raises(intake.Refusal) as caught:
        intake.accept(participant, kind, data)
    assert caught.value.code == code
    assert not Document.objects.exists()
    assert AuditEvent.objects.filter(action="upload_refused").latest("id").details["reason"] == code


@pytest.mark.parametrize("style", ["spaces", "fullwidth", "plain", "hyphen"])
def test_photo_of_a_card_back_is_refused(participant, style):
    _refused(participant, card_back(style=style), "my_number")


@pytest.mark.parametrize("rotation", [180, 90])
def test_card_back_photographed_upside_down_or_sideways_is_refused(participant, rotation):
    flat = ocr_samples.card_back(random.Random(1), NAME, valid=True, style="spaces")
    _refused(participant, _photo(flat, rotation=rotation), "my_number")


def test_a_sideways_card_back_is_read_along_its_lines():
    """Its QR block swings between ink and blank both ways; the blank rows between the lines
    decide the axis, so the first Japanese pass is already along the lines (this photo, upright
    or sideways, had the swing alone pick the wrong axis)."""
    flat = ocr_samples.card_back(random.Random(5), NAME, valid=True, style="spaces")
    sideways = screening.prepare(_photo(flat, rotation=90, seed=5))
    upright = screening.prepare(_photo(flat, seed=5))
    assert screening.orientations(sideways)[0] in (90, 270)
    assert screening.orientations(upright)[0] in (0, 180)


def test_card_back_with_an_invalid_check_digit_is_kept(participant):
    document = intake.accept(participant, "notice_copy", card_back(valid=False))
    assert document.screen == Screen.OCR


def test_photo_of_the_card_face_is_refused_with_its_own_message(participant):
    _refused(participant, card_face(), "my_number_card")
    assert "マイナンバーカード" in str(intake.MESSAGES["my_number_card"])


def test_notice_of_the_right_child_is_screened_without_flags(participant):
    data, _ = notice()
    document = intake.accept(participant, "notice", data)
    assert document.screen == Screen.OCR
    assert document.flags == []


def test_notice_of_another_child_is_flagged_not_refused(participant):
    data, _ = notice(OTHER)
    document = intake.accept(participant, "notice", data)
    assert document.flags == ["name_mismatch"]


def test_notice_with_a_wrong_insurer_check_digit_is_flagged(participant):
    data, _ = notice(insurer_valid=False)
    document = intake.accept(participant, "notice", data)
    assert "insurer_check_failed" in document.flags


def test_image_only_pdf_page_is_screened(participant):
    """A scanned printout: no text layer, so its page is rendered and read."""
    pdf = img2pdf.convert(card_back(), layout_fun=img2pdf.get_fixed_dpi_layout_fun((150, 150)))
    _refused(participant, pdf, "my_number", kind="portal_print")


def test_missing_tesseract_keeps_the_upload_unscreened(participant, monkeypatch):
    monkeypatch.setattr(ocr.pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    document = intake.accept(participant, "notice", card_back())
    assert document.screen == Screen.NONE
    assert document.flags == ["not_screened"]
    assert AuditEvent.objects.get(action="upload_accepted").details["method"] == "none"


@pytest.fixture
def slow_tesseract(tmp_path, monkeypatch):
    """A stand-in binary that lists the languages, then never answers a recognition."""
    script = tmp_path / "bin" / "tesseract"
    script.parent.mkdir()
    script.write_text(
        "#!/bin/sh\n"
        'case "$1" in --version) echo "tesseract 5.3.0";; '
        '--list-langs) printf "List of available languages (2):\\neng\\njpn\\n";; '
        "*) sleep 30;; esac\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(ocr.pytesseract.pytesseract, "tesseract_cmd", str(script))
    monkeypatch.setattr(ocr, "WALL_SECONDS", 0.5)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    return private_tmp


def test_tesseract_timeout_keeps_the_upload_unscreened(participant, slow_tesseract):
    document = intake.accept(participant, "notice", card_back())
    assert document.screen == Screen.NONE
    assert document.flags == ["not_screened"]
    assert list(slow_tesseract.iterdir()) == []  # the child's private directory is gone


def _fake_tesseract(tmp_path, monkeypatch, body: str) -> None:
    script = tmp_path / "tesseract"
    script.write_text(
        "#!/bin/sh\n"
        'case "$1" in --list-langs) printf "List\\neng\\njpn\\n";; '
        f"*) cat >/dev/null; {body};; esac\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(ocr.pytesseract.pytesseract, "tesseract_cmd", str(script))


def test_child_runs_under_a_memory_limit(tmp_path, monkeypatch):
    # The child answers one TSV word: its own address-space limit in KiB.
    row = "\\t".join(["5", "1", "1", "1", "1", "1", "0", "0", "1", "1", "90"])
    _fake_tesseract(tmp_path, monkeypatch, f'printf "h\\n{row}\\t%s\\n" "$(ulimit -v)"')
    reading = ocr.read(screening.prepare(card_back()), lang="jpn")
    assert reading.text == str(ocr.MEMORY_LIMIT // 1024)


def test_child_cannot_write_files(tmp_path, monkeypatch):
    target = tmp_path / "written"
    _fake_tesseract(tmp_path, monkeypatch, f"echo leaked > {target}")
    with pytest.raises(ocr.OcrUnavailable):
        ocr.read(screening.prepare(card_back()), lang="jpn")
    assert not target.exists() or target.read_bytes() == b""


def test_nothing_read_reaches_the_database_logs_redis_or_temp_files(
    participant, caplog, monkeypatch, tmp_path
):
    data, insurer = notice(insurer_valid=False)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    caplog.set_level(logging.DEBUG)
    document = intake.accept(participant, "notice", data)
    # The number was read (its check digit failed), yet it is nowhere but in the ciphertext.
    assert "insurer_check_failed" in document.flags
    assert insurer not in caplog.text
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from introspection)
            assert insurer not in repr(cursor.fetchall()), table
    import redis

    client = redis.Redis.from_url(django_settings.REDIS_URL)
    for key in client.scan_iter(count=500):
        assert insurer.encode() not in key
        if client.type(key) == b"string":
            assert insurer.encode() not in (client.get(key) or b"")
    assert list(private_tmp.iterdir()) == []
    assert not any(name.startswith("ocr-") for name in os.listdir(tempfile.gettempdir()))


def test_blank_picture_spends_no_ocr_pass(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("no pass expected")

    monkeypatch.setattr(ocr, "read", fail)
    out = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (800, 600), (200, 120, 40)).save(out, "JPEG")
    result = screening.screen_pages([out.getvalue()], names=[NAME], expects_name=True)
    assert result.screened
    assert result.flags == ["unreadable"]


def test_reviewer_sees_which_screen_ran_and_the_not_screened_flag(
    participant, teacher, monkeypatch
):
    from django.test import Client

    from documents.review_views import FLAG_HELP

    monkeypatch.setattr(ocr.pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    document = intake.accept(participant, "notice", card_back(valid=False))
    client = Client()
    client.force_login(teacher)
    page = client.get(f"/documents/{document.uuid}/").content.decode()
    assert 'data-screen="none"' in page
    assert "未確認（文字認識できず）" in page
    assert 'data-flag="not_screened"' in page
    assert str(FLAG_HELP["not_screened"]) in page


@pytest.mark.slow
def test_a_noisy_photo_is_not_refused_as_a_my_number(participant):
    """Digits read from noise (a textured surface) are no number: one chain in eleven has a
    valid check digit, so a digits-only pass runs only on a readable page or beside 個人番号."""
    from PIL import Image

    noise = Image.effect_noise((750, 1000), 40).convert("RGB")
    tint = Image.linear_gradient("L").resize((1500, 2000)).convert("RGB")
    photo = Image.blend(noise.resize((1500, 2000), Image.Resampling.BILINEAR), tint, 0.3)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=85)
    # Stored, not refused (on a loaded machine a pass may time out: then it is kept unscreened).
    document = intake.accept(participant, "notice", out.getvalue())
    assert Document.objects.filter(pk=document.pk).exists()
    assert document.screen in (Screen.OCR, Screen.NONE)


def _valid_number(seed: int = 4) -> str:
    return ocr_samples.my_number(random.Random(seed), valid=True)


def test_a_number_is_read_within_one_line_of_a_photo():
    """On a photo the 12 digits stand on one line; an insurer number and the next line's digits
    joined made a My Number of a notice (one chain in eleven passes the check digit)."""
    number = _valid_number()
    assert screening.holds_my_number(f"個人番号\n{number[:4]} {number[4:8]} {number[8:]}")
    assert not screening.holds_my_number(f"保険者番号 {number[:8]}\n{number[8:]}")


def _reading(*lines: tuple[str, tuple[int, int, int, int]]) -> ocr.Reading:
    """A Japanese pass's answer: each line one word per space-separated part, boxes shared."""
    words = tuple(tuple((w, box) for w in text.split()) for text, box in lines)
    return ocr.Reading(
        text="\n".join(t for t, _ in lines), confidence=80, words=9, lines=lines, line_words=words
    )


def test_a_card_back_label_alone_on_its_line_gets_the_space_below_it_read():
    label = ("個人番号", (40, 40, 176, 74))
    name = ("氏名 山田 太郎", (40, 230, 400, 264))
    spans = screening._digit_spans(_reading(label, name))
    assert len(spans) == 1
    ((_left, top, _right, bottom),), height, blanked = spans[0]
    assert top < 40 and bottom > 74 + 2 * 34 and height == 44
    assert blanked == label[1]  # the label itself is not read as digits
    # The number line was read: nothing more to look at under the label.
    number = ("4741 5477 3330", (40, 100, 460, 150))
    # (Words whose boxes overlap are cropped once.)
    assert screening._digit_spans(_reading(label, number, name)) == [(((40, 100, 460, 150),), 50)]
    # A letter's 個人番号（下4桁）line is no card back's label.
    tail = ("個人番号（下4桁）＊＊＊＊　＊＊＊＊　1234", (80, 400, 900, 434))
    assert screening._digit_spans(_reading(tail)) == []


def test_only_the_digits_of_a_line_are_read_again():
    """The label in front of an insurer number, read with a digits whitelist, became digits."""
    reading = ocr.Reading(
        text="保険者番号 31238740",
        confidence=80,
        words=2,
        lines=(("保険者番号 31238740", (40, 250, 420, 290)),),
        line_words=((("保険者番号", (40, 252, 210, 288)), ("31238740", (240, 250, 420, 290))),),
    )
    assert screening._digit_spans(reading) == [(((240, 250, 420, 290),), 40)]


def test_card_face_wording_two_labels_of_four_without_an_insurer():
    face = "氏名山田太郎\n所東京都千代田区霞が関2丁目\n2012年3月1日生\n2032年7月1日まで有効"
    assert screening._is_card_face(face)
    assert not screening._is_card_face(face + "\n保険者番号 06130012")  # a 資格確認書
    assert not screening._is_card_face("個人番号\n生年月日平成27年5月25日生")  # a card back


def test_photo_of_a_card_face_whose_bottom_line_is_lost_is_refused(participant):
    """The blue 個人番号カード line and 性別 cut off (a thumb, the frame): the other labels."""
    from PIL import ImageDraw

    flat = ocr_samples.card_face(random.Random(3), NAME)
    ImageDraw.Draw(flat).rectangle((10, 420, 846, 530), fill=(250, 246, 240))
    _refused(participant, _photo(flat), "my_number_card")


def test_the_passes_of_a_page_share_one_time_budget(tmp_path, monkeypatch):
    """Each pass answers in time, but four poor ones (a picture of noise) would not: the page
    stops at its budget and is kept unscreened, instead of ~15 s of CPU."""
    import time

    _fake_tesseract(tmp_path, monkeypatch, 'sleep 0.4; printf "h\\n"')
    monkeypatch.setattr(screening, "PAGE_SECONDS", 1.0)
    started = time.monotonic()
    result = screening.screen_pages([card_back()], names=[NAME], expects_name=True)
    assert result.flags == ["not_screened"] and not result.screened
    assert time.monotonic() - started < 2.0


def test_a_group_read_as_letters_stays_in_its_number():
    """The jpn model reads a blurred 9969 as "ggeg": still part of the number to read again."""
    boxes = ((40, 100, 160, 150), (220, 100, 340, 150), (400, 100, 520, 150))
    line = ("5102 ggeg es2>", (40, 100, 520, 150))
    reading = ocr.Reading(
        text=line[0],
        confidence=64,
        words=3,
        lines=(line,),
        line_words=(tuple(zip(line[0].split(), boxes, strict=True)),),
    )
    assert screening._digit_spans(reading) == [(boxes, 50)]
    # Japanese text around a date is no number: 令和 4 年 4 月 7 日 gives no strip.
    date = ("令和 4 年 4 月 7 日", (40, 300, 520, 340))
    words = tuple((w, (40 + 60 * i, 300, 90 + 60 * i, 340)) for i, w in enumerate(date[0].split()))
    reading = ocr.Reading(text=date[0], confidence=80, words=7, lines=(date,), line_words=(words,))
    assert screening._digit_spans(reading) == []
