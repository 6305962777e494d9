import pytest

from documents import guards


@pytest.mark.parametrize(
    "text",
    [
        "123456789018",
        "個人番号 1234 5678 9018 です",
        "1234-5678-9018",
        "１２３４　５６７８　９０１８",
        "１２３４－５６７８－９０１８",
        "1 2 3 4 5 6 7 8 9 0 1 8",
        "1234 5678\n9018",  # split across lines (PDF text extraction)
        "個人番号\r\n123456\r\n789018\r\n",
        "1234  5678  9018",  # two spaces
        "1234.5678.9018",
        "1234/5678/9018",
        "１２３４／５６７８／９０１８",
        "1234 5678 9018\n2024/12/01",  # a date on the next line does not hide it
        "1234  5678  9018  7",  # columns: the 7 is another field
    ],
)
def test_my_number_found_in_any_spelling(text):
    assert guards.contains_my_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "123456789017",  # wrong check digit
        "1123456789018",  # 13 digits
        "1234 5678 9018 7",  # part of a longer number
        "電話 03-1234-5678",
        "",
        "123456789017\n",  # wrong check digit, across lines too
        "1234\n5678\n9017",
        "〒100-0001 03-1234-5678",
        "03-1234-5678\n090-1234-5678",
        "2024/12/01 2025/03/31",
        "TEL 0120.123.456 FAX 0120.123.457",
    ],
)
def test_my_number_not_found(text):
    assert not guards.contains_my_number(text)


def test_check_digit_matches_the_ordinance_example():
    assert guards.my_number_check_digit("12345678901") == 8


def test_insurer_number_check_digit():
    assert guards.insurer_number_valid("01130012")  # 協会けんぽ 東京支部
    assert not guards.insurer_number_valid("01130013")
    assert guards.insurer_numbers_ok("保険者番号 01130012") is True
    assert guards.insurer_numbers_ok("保険者番号：０１１３００１３") is False
    assert guards.insurer_numbers_ok("no number here") is None


def test_name_compared_without_spaces_kana_or_width():
    assert guards.name_appears("氏名 山田太郎", "山田 太郎")
    assert guards.name_appears("フリガナ ヤマダ　タロウ", "山田 太郎", "やまだ たろう")
    assert not guards.name_appears("氏名 佐藤 花子", "山田 太郎", "やまだ たろう")
