"""The packet's own TrueType subsetter draws the same glyphs as fontTools' subset did."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont

from packets import fontsubset
from packets.frontmatter import font_path
from packets.stamps import Font

TEXT = "参加者一覧（3班）No.氏名学年・組書類頁未提出マイナンバーカード持参…—　0123456789AZaz"


def _outline(font: TTFont, code: int) -> list:
    glyf = font["glyf"]
    glyph = glyf[font.getBestCmap()[code]]
    return list(glyph.getCoordinates(glyf)[0])


def test_subset_keeps_outlines_widths_and_drops_the_rest():
    subset = fontsubset.face(font_path()).subset(TEXT)
    reference = Font.__new__(Font)
    reference._subset_with_fonttools(font_path(), TEXT)
    ours = TTFont(io.BytesIO(subset.data))
    theirs = TTFont(io.BytesIO(reference.data))
    assert ours["maxp"].numGlyphs == len(set(TEXT)) + 1  # the glyphs used and .notdef
    for char in set(TEXT):
        assert subset.gids[char] != 0
        assert subset.widths[subset.gids[char]] == reference.widths[reference.gids[char]]
        assert _outline(ours, ord(char)) == _outline(theirs, ord(char))
        glyph = ours["glyf"][ours.getGlyphOrder()[subset.gids[char]]]
        assert not hasattr(glyph, "program") or glyph.program.getBytecode() == b""  # no hinting
    assert not {"fpgm", "prep", "cvt ", "GSUB", "GPOS", "vmtx"} & set(ours.keys())
    assert (subset.ascent, subset.descent) == (reference.ascent, reference.descent)
    assert len(subset.data) < 20_000


def test_a_character_the_font_lacks_is_notdef():
    subset = fontsubset.face(font_path()).subset("A\U0010fffd")
    assert subset.gids["\U0010fffd"] == 0 and subset.gids["A"] != 0


def test_a_font_it_cannot_parse_is_left_to_fonttools(tmp_path, monkeypatch):
    bogus = tmp_path / "font.otf"
    bogus.write_bytes(b"OTTO" + b"\0" * 64)  # CFF outlines: not for the glyph copier
    assert fontsubset.face(str(bogus)) is None
    monkeypatch.setattr(fontsubset, "face", lambda path: None)
    font = Font(font_path(), "参加者")
    assert TTFont(io.BytesIO(font.data))["maxp"].numGlyphs == 4
    assert font.width("参加者", 10) == pytest.approx(30)
