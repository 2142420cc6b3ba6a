"""The one number parser (rakornis/numbers.py): what it reads, what it refuses and with which message.

`NUMBER_CASES` and `AMOUNT_CASES` are also run through the browser's copy (static/js/numbers.js) in
tests/browser/test_numbers_js.py, so the live total of the proposal form reads amounts as the server does.
"""

from decimal import Decimal

import pytest
from django import forms

from rakornis.numbers import (
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    CoordinateField,
    NumberError,
    RupiahField,
    VolumeField,
    format_number,
    parse_amount,
    parse_coordinate,
    parse_number,
    parse_volume,
)

# (typed, number read), None: not a number. Indonesian and plain notation, currency and spaces ignored.
NUMBER_CASES = [
    ("1.500.000", "1500000"),
    ("1,8", "1.8"),
    ("-3,4128", "-3.4128"),
    ("1.250,75", "1250.75"),
    ("1,250.75", "1250.75"),
    ("1500000", "1500000"),
    ("1.8", "1.8"),
    ("1.25", "1.25"),
    ("1.500", "1500"),  # one dot and three digits: thousands, as Indonesians write it
    ("0.125", "0.125"),  # ... but not after a leading 0
    ("1,500,000", "1500000"),
    ("Rp 1.500.000.000", "1500000000"),
    ("Rp. 1.500.000.000,-", "1500000000"),
    ("Rp1.500.000.000,00", "1500000000.00"),
    ("IDR 2.000", "2000"),
    ("\u00a01.500.000 ", "1500000"),
    ("1 500 000", "1500000"),
    ("(1.000)", "-1000"),
    ("Rp -5", "-5"),
    ("\u22125", "-5"),
    ("", ""),
    ("   ", ""),
    ("dua", None),
    ("1.2.3", None),
    ("1.50.000", None),
    ("1,5,5", None),
    ("1.250.75", None),
    ("12,34.5", None),
    ("5,", None),
    (",5", None),
    ("--5", None),
    ("1e5", None),
    ("0x10", None),
]

# (typed, whole rupiah), None: refused. What the form's live total and the server both accept.
AMOUNT_CASES = [
    ("1.500.000", "1500000"),
    ("Rp 1.500.000.000", "1500000000"),
    ("1500000000", "1500000000"),
    ("1.500.000,00", "1500000"),
    ("Rp 250.000.000,-", "250000000"),
    ("0", "0"),
    ("", ""),
    ("1.500.000,50", None),
    ("1500.5", None),
    ("1,8", None),
    ("-5", None),
    ("lima juta", None),
    ("9" * 19, None),
    ("9" * 18, "9" * 18),
]


@pytest.mark.parametrize(("text", "expected"), NUMBER_CASES)
def test_numbers_in_indonesian_and_plain_notation(text, expected):
    if expected is None:
        with pytest.raises(NumberError):
            parse_number(text)
    else:
        assert parse_number(text) == (Decimal(expected) if expected else None)


@pytest.mark.parametrize(("text", "expected"), AMOUNT_CASES)
def test_amounts(text, expected):
    if expected is None:
        with pytest.raises(NumberError):
            parse_amount(text)
    else:
        assert parse_amount(text) == (Decimal(expected) if expected else None)


def test_spreadsheet_numbers_are_taken_as_shown():
    assert parse_number(2.5) == Decimal("2.5")
    assert parse_number(1_500_000_000) == Decimal(1_500_000_000)
    assert parse_amount(1_500_000_000.0000002) == Decimal(1_500_000_000)  # a formula's binary noise
    assert parse_volume(2.3000000000000003) == Decimal("2.30")
    with pytest.raises(NumberError, match="'Ya' bukan angka"):
        parse_number(True)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: parse_number("dua"), "'dua' bukan angka"),
        (lambda: parse_number("1.50.000"), "'1.50.000' bukan angka yang dapat dibaca"),
        (lambda: parse_amount("-1.500"), "pagu tidak boleh negatif (Rp -1.500)"),
        (lambda: parse_amount("1.500.000,50"), "pagu harus dalam rupiah bulat tanpa sen (Rp 1.500.000,50)"),
        (lambda: parse_amount("9" * 19), "pagu terlalu besar"),
        (lambda: parse_volume("0"), "volume harus lebih dari 0"),
        (lambda: parse_volume("-1,5"), "volume harus lebih dari 0"),
        (lambda: parse_volume("-1", label="prakiraan maju volume", allow_zero=True), "prakiraan maju volume tidak"),
        (lambda: parse_volume("2,555"), "volume paling banyak 2 angka di belakang koma (2,555)"),
        (lambda: parse_volume("1.000.000.000.000"), "volume terlalu besar"),
        (
            lambda: parse_coordinate("52,5", limits=LATITUDE_RANGE, label="lintang"),
            "lintang 52,500000 di luar wilayah Indonesia (-11,5 s.d. 6,5)",
        ),
        (
            lambda: parse_coordinate("1.234,5", limits=LONGITUDE_RANGE, label="bujur"),
            "'1.234,5' bukan angka yang dapat dibaca",
        ),
    ],
)
def test_refusals_say_what_is_wrong(call, message):
    with pytest.raises(NumberError) as caught:
        call()
    assert str(caught.value).startswith(message)


def test_volume_accepts_zero_only_where_asked():
    assert parse_volume("0", allow_zero=True) == 0
    assert parse_volume("1,8") == Decimal("1.80")
    assert parse_volume("1.500") == Decimal(1500)


def test_coordinates_never_have_thousands_separators():
    assert parse_coordinate("114.591", limits=LONGITUDE_RANGE, label="bujur") == Decimal("114.591")
    assert parse_coordinate("114,5903", limits=LONGITUDE_RANGE, label="bujur") == Decimal("114.5903")
    assert parse_coordinate("-3,4128", limits=LATITUDE_RANGE, label="lintang") == Decimal("-3.4128")
    # Rounded to the six places the database keeps.
    assert parse_coordinate("-3,41861249", limits=LATITUDE_RANGE, label="lintang") == Decimal("-3.418612")


def test_format_number_is_read_back_as_written():
    for value in (Decimal("1500000000"), Decimal("2.50"), Decimal("-3.418612"), Decimal("1500.25")):
        assert parse_number(format_number(value)) == value
    assert format_number(Decimal("1500000.50")) == "1.500.000,50"
    assert format_number(Decimal("2.50"), trim=True) == "2,5"


class _Form(forms.Form):
    amount = RupiahField(required=False)
    volume = VolumeField(label="Volume")
    latitude = CoordinateField(noun="lintang", limits=LATITUDE_RANGE, required=False)


def test_form_fields_use_the_parser_and_its_messages():
    form = _Form(data={"amount": "Rp 1.500.000", "volume": "1,8", "latitude": "-3,4128"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "amount": Decimal(1_500_000),
        "volume": Decimal("1.80"),
        "latitude": Decimal("-3.412800"),
    }
    form = _Form(data={"amount": "1.500,5", "volume": "dua", "latitude": "-3,4128"})
    assert form.errors == {
        "amount": ["Pagu harus dalam rupiah bulat tanpa sen (Rp 1.500,5)."],
        "volume": ["'dua' bukan angka."],
    }


def test_form_fields_render_text_boxes_in_indonesian_notation():
    html = str(_Form(initial={"amount": Decimal(2_000_000_000), "volume": Decimal("2.50"), "latitude": None}))
    assert 'type="number"' not in html
    assert 'value="2.000.000.000"' in html
    assert 'value="2,5"' in html
    assert 'inputmode="decimal"' in html
    assert 'inputmode="numeric"' in html
