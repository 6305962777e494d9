# ruff: noqa: E501  (the sample wording reads best one line per printed line)
"""A labelled set of phone photos for the OCR screen, made on the fly with the IPAex font.

Every sample is a JPEG (bytes) with its truth: does it hold a valid 個人番号, is it the face of a
My Number card, which name it shows and whether its 保険者番号 checks out. The pictures are
rendered flat, then treated like phone photos: put on a table, rotated 0/90/180/270 (as when the
orientation tag is missing), skewed a few degrees, perspective-warped, blurred and JPEG-compressed.

Used by bench/bench_ocr.py and, with small sizes, by the tests.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_PATH = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"

NAMES = [
    ("山田 太郎", "やまだ たろう"),
    ("鈴木 花子", "すずき はなこ"),
    ("佐藤 一郎", "さとう いちろう"),
    ("高橋 美咲", "たかはし みさき"),
    ("田中 健太", "たなか けんた"),
    ("伊藤 さくら", "いとう さくら"),
    ("渡辺 大輔", "わたなべ だいすけ"),
    ("中村 結衣", "なかむら ゆい"),
]


@dataclass
class Sample:
    label: str
    data: bytes
    my_number: bool = False
    face: bool = False
    name: str = ""  # the name printed on it ("" when none)
    insurer_ok: bool | None = None
    meta: dict = field(default_factory=dict)


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_PATH, size)


def check_digit(base11: str) -> int:
    total = sum(int(base11[11 - n]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    r = total % 11
    return 0 if r <= 1 else 11 - r


def my_number(rng: random.Random, *, valid: bool) -> str:
    base = "".join(str(rng.randrange(10)) for _ in range(11))
    good = check_digit(base)
    last = good if valid else rng.choice([d for d in range(10) if d != good])
    return base + str(last)


def insurer_number(rng: random.Random, *, valid: bool) -> str:
    body = (
        rng.choice(["01", "06", "31", "34"])
        + f"{rng.randrange(1, 48):02d}{rng.randrange(1000):03d}"
    )
    total = 0
    for i, char in enumerate(reversed(body)):
        product = int(char) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    good = (10 - total % 10) % 10
    last = good if valid else (good + rng.randrange(1, 10)) % 10
    return body + str(last)


def layout(number: str, style: str) -> str:
    groups = [number[0:4], number[4:8], number[8:12]]
    if style == "spaces":
        return " ".join(groups)
    if style == "fullwidth":
        return "　".join(
            g.translate(str.maketrans("0123456789", "０１２３４５６７８９")) for g in groups
        )
    if style == "hyphen":
        return "-".join(groups)
    return number  # "plain": 12 digits in a row


def _card(size=(856, 540), colour=(246, 248, 250)) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    im = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(im)
    draw.rounded_rectangle((2, 2, size[0] - 3, size[1] - 3), 24, outline=(150, 150, 150), width=3)
    return im, draw


def card_back(rng: random.Random, name: str, *, valid: bool, style: str) -> Image.Image:
    """The back of a My Number card: the 12-digit number on top, a QR code, name, birth date."""
    im, draw = _card()
    draw.text((40, 40), "個人番号", font=_font(34), fill=(40, 40, 40))
    number = layout(my_number_value := my_number(rng, valid=valid), style)
    # The card prints all 12 digits inside its edge: full-width forms (14 em at 60 px) would run
    # past the card's 856 px and lose the last digit, a photo that holds no whole number.
    size = 60
    while draw.textlength(number, font=_font(size)) > im.width - 80:
        size -= 2
    draw.text((40, 95), number, font=_font(size), fill=(0, 0, 0))
    draw.text((40, 230), f"氏名　{name}", font=_font(34), fill=(40, 40, 40))
    draw.text(
        (40, 290),
        f"生年月日　平成{rng.randrange(20, 31)}年{rng.randrange(1, 13)}月{rng.randrange(1, 29)}日生",
        font=_font(30),
        fill=(40, 40, 40),
    )
    # A QR-like block, as on the real card.
    for y in range(20):
        for x in range(20):
            if rng.random() < 0.5:
                draw.rectangle((600 + x * 10, 250 + y * 10, 609 + x * 10, 259 + y * 10), fill=0)
    im.info["number"] = my_number_value
    return im


def card_face(rng: random.Random, name: str) -> Image.Image:
    """The face of a My Number card: 個人番号カード, name, address, photo; no number."""
    im, draw = _card(colour=(250, 246, 240))
    draw.text((40, 30), f"氏名　{name}", font=_font(36), fill=(0, 0, 0))
    draw.text(
        (40, 95),
        f"住所　東京都千代田区霞が関{rng.randrange(1, 4)}丁目{rng.randrange(1, 9)}番",
        font=_font(28),
        fill=(0, 0, 0),
    )
    draw.text(
        (40, 160),
        f"{rng.randrange(2008, 2015)}年{rng.randrange(1, 13)}月{rng.randrange(1, 29)}日生",
        font=_font(28),
        fill=(0, 0, 0),
    )
    draw.text(
        (40, 215),
        f"{rng.randrange(2030, 2036)}年{rng.randrange(1, 13)}月{rng.randrange(1, 29)}日まで有効",
        font=_font(28),
        fill=(0, 0, 0),
    )
    draw.text((40, 440), "個人番号カード", font=_font(48), fill=(20, 60, 140))
    draw.text(
        (420, 460), "性別　男" if rng.random() < 0.5 else "性別　女", font=_font(28), fill=(0, 0, 0)
    )
    draw.rectangle((620, 150, 810, 400), fill=(180, 180, 190))
    return im


def notice_card(rng: random.Random, name: str, *, insurer_valid: bool) -> tuple[Image.Image, str]:
    """The cut-out card part of 資格情報のお知らせ: name, insurer number, symbol and number."""
    im, draw = _card(colour=(255, 255, 255))
    insurer = insurer_number(rng, valid=insurer_valid)
    draw.text((40, 30), "資格情報のお知らせ", font=_font(38), fill=(0, 0, 0))
    draw.text((40, 110), f"氏名　{name}", font=_font(36), fill=(0, 0, 0))
    draw.text(
        (40, 180),
        f"記号　{rng.randrange(100, 999)}　番号　{rng.randrange(1000, 99999)}　枝番　0{rng.randrange(1, 5)}",
        font=_font(30),
        fill=(0, 0, 0),
    )
    draw.text((40, 250), f"保険者番号　{insurer}", font=_font(34), fill=(0, 0, 0))
    draw.text(
        (40, 320),
        f"資格取得年月日　令和{rng.randrange(1, 7)}年{rng.randrange(1, 13)}月1日",
        font=_font(28),
        fill=(0, 0, 0),
    )
    draw.text((40, 440), "〇〇健康保険組合", font=_font(30), fill=(0, 0, 0))
    return im, insurer


def a4_notice(rng: random.Random, name: str, *, insurer_valid: bool) -> Image.Image:
    """The A4 letter: an explanation, the last 4 digits of the number, and the card part."""
    page = Image.new("RGB", (1240, 1754), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.text((80, 80), "資格情報のお知らせ", font=_font(56), fill=(0, 0, 0))
    lines = [
        f"{name} 様",
        "あなたの健康保険の資格情報をお知らせします。",
        "マイナ保険証で受診する際は、この書類は必要ありません。",
        f"個人番号（下4桁）　＊＊＊＊　＊＊＊＊　{rng.randrange(1000, 9999)}",
        f"お問い合わせ　電話 0{rng.randrange(3, 99)}-{rng.randrange(100, 9999)}-{rng.randrange(1000, 9999)}",
        f"〒{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}　東京都港区芝公園{rng.randrange(1, 5)}丁目",
    ]
    for i, line in enumerate(lines):
        draw.text((80, 220 + i * 60), line, font=_font(34), fill=(0, 0, 0))
    card, _ = notice_card(rng, name, insurer_valid=insurer_valid)
    page.paste(card, (190, 700))
    draw.line((150, 680, 1090, 680), fill=(120, 120, 120), width=2)
    return page


def ordinary(rng: random.Random) -> Image.Image:
    """A school letter with phone, postal, account and order numbers: long digit runs, no 個人番号."""
    page = Image.new("RGB", (1240, 1754), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.text((80, 80), "修学旅行のお知らせ", font=_font(56), fill=(0, 0, 0))
    bad = my_number(rng, valid=False)
    lines = [
        f"集合　{rng.randrange(6, 9)}時{rng.randrange(0, 6)}0分　東京駅　丸の内北口",
        f"電話　0{rng.randrange(3, 99)}-{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}",
        f"携帯　090 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}",
        f"〒{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}　大阪府大阪市北区{rng.randrange(1, 9)}-{rng.randrange(1, 30)}",
        f"振込口座　{rng.randrange(1000, 9999)}-{rng.randrange(100, 999)}-{rng.randrange(1000000, 9999999)}",
        f"受付番号　{layout(bad, rng.choice(['spaces', 'plain', 'hyphen']))}",
        f"費用　{rng.randrange(30, 90)},{rng.randrange(100, 999)}円（{rng.randrange(1, 12)}月{rng.randrange(1, 28)}日まで）",
    ]
    for i, line in enumerate(lines):
        draw.text((80, 220 + i * 70), line, font=_font(36), fill=(0, 0, 0))
    return page


def photograph(
    rng: random.Random,
    flat: Image.Image,
    *,
    rotation: int,
    long_side: int = 2000,
    quality: int | None = None,
    blur: float | None = None,
) -> bytes:
    """Lay the flat document on a table and take a phone photo of it, without an orientation tag."""
    w, h = flat.size
    # Perspective: move each corner a little, as when the phone is not held parallel.
    d = 0.04
    jitter = [rng.uniform(-d, d) * s for _ in range(4) for s in (w, h)]
    quad = (
        0 + jitter[0],
        0 + jitter[1],
        0 + jitter[2],
        h + jitter[3],
        w + jitter[4],
        h + jitter[5],
        w + jitter[6],
        0 + jitter[7],
    )
    warped = flat.transform(
        flat.size, Image.Transform.QUAD, quad, Image.Resampling.BICUBIC, fillcolor=(120, 110, 100)
    )
    skewed = warped.rotate(
        rng.uniform(-4, 4), Image.Resampling.BICUBIC, expand=True, fillcolor=(120, 110, 100)
    )
    margin = int(max(skewed.size) * rng.uniform(0.08, 0.25))
    table = Image.new(
        "RGB", (skewed.width + 2 * margin, skewed.height + 2 * margin), (120, 110, 100)
    )
    table.paste(skewed, (margin, margin))
    if rotation:
        table = table.rotate(rotation, expand=True)
    table.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    # Uneven light and a little sensor noise.
    shade = Image.linear_gradient("L").resize(table.size).point(lambda v: 235 + v // 12)
    table = Image.composite(table, Image.new("RGB", table.size, (30, 30, 30)), shade)
    blur = rng.choice([0, 0.6, 1.0, 1.4]) if blur is None else blur
    if blur:
        table = table.filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    table.save(out, "JPEG", quality=quality or rng.choice([55, 70, 85, 92]))
    return out.getvalue()


def generate(count: int, *, seed: int = 2026, long_side: int = 2000) -> list[Sample]:
    """`count` samples cycling through the kinds, styles and rotations."""
    rng = random.Random(seed)
    kinds = ["back_valid", "back_invalid", "notice", "a4", "face", "ordinary", "back_valid", "face"]
    styles = ["spaces", "plain", "fullwidth", "hyphen"]
    samples = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        rotation = [0, 90, 180, 270][(i // len(kinds)) % 4]
        name, _kana = NAMES[rng.randrange(len(NAMES))]
        insurer_ok = None
        if kind.startswith("back"):
            flat = card_back(rng, name, valid=kind == "back_valid", style=styles[i % 4])
        elif kind == "face":
            flat = card_face(rng, name)
        elif kind == "notice":
            insurer_ok = rng.random() < 0.8
            flat, _ = notice_card(rng, name, insurer_valid=insurer_ok)
        elif kind == "a4":
            insurer_ok = rng.random() < 0.8
            flat = a4_notice(rng, name, insurer_valid=insurer_ok)
        else:
            flat, name = ordinary(rng), ""
        samples.append(
            Sample(
                label=f"{kind}-{rotation}",
                data=photograph(rng, flat, rotation=rotation, long_side=long_side),
                my_number=kind == "back_valid",
                face=kind == "face",
                name=name,
                insurer_ok=insurer_ok,
                meta={"kind": kind, "rotation": rotation},
            )
        )
    return samples
