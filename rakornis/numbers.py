"""The one reader of typed numbers: form fields, the decision form and the Excel import all parse here.

People type Indonesian notation (`1.500.000`, `1,8`, `-3,4128`, `1.250,75`, `Rp 1.500.000.000,-`) and plain or
English notation (`1500000`, `1.8`, `1,500,000`). The rules, in order:

- spaces (also non-breaking ones), a leading `Rp`/`Rp.`/`IDR` and a trailing `,-` ("no sen") are ignored; a
  leading `-` or parentheses make the number negative;
- with both `.` and `,`, the last one is the decimal mark and the other groups thousands (`1.250,75`, `1,250.75`);
- one `,` is the decimal mark (`1,8`); several group thousands (`1,500,000`);
- several `.` group thousands (`1.500.000`); one `.` followed by exactly three digits, after a first group of one
  to three digits not starting with 0, groups thousands (`1.500` = 1500: how Indonesians write it); any other
  single `.` is the decimal mark (`1.8`, `0.125`, `1.25`);
- coordinates never have thousands separators, so there every single `.` or `,` is the decimal mark (`114.591`).

A number that breaks these rules is refused with a message, never guessed. The messages are Indonesian, start in
lower case and have no final stop: the import prints them after `Baris N, Kolom: `, the form fields capitalise
them. The browser's live total (static/js/numbers.js) follows the same rules.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from rakornis.formatting import format_thousands

MAX_AMOUNT_DIGITS = 18  # programs.models.money_field
MAX_AMOUNT = Decimal(10**MAX_AMOUNT_DIGITS - 1)  # Rp 999.999.999.999.999.999
MAX_VOLUME = Decimal(10) ** 12  # max_digits=14, decimal_places=2
VOLUME_PLACES = Decimal("0.01")
COORDINATE_PLACES = Decimal("0.000001")  # the six places the database keeps (about 10 cm)
LATITUDE_RANGE = (Decimal("-11.5"), Decimal("6.5"))
LONGITUDE_RANGE = (Decimal("94"), Decimal("141.5"))

_THOUSANDS_DOT_RE = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+$")
_THOUSANDS_COMMA_RE = re.compile(r"^[1-9]\d{0,2}(,\d{3})+$")
_NUMBER_RE = re.compile(r"^\d([\d.,]*\d)?$")
_CURRENCY_RE = re.compile(r"^(rp\.?|idr)", re.IGNORECASE)
_MINUS_SIGNS = "-\u2212\u2013"  # hyphen-minus, minus sign, en dash (a word processor's "minus")


class NumberError(ValueError):
    """A typed number that cannot be used; `str(error)` is the message for the person who typed it."""


def shown(value: Any) -> str:
    """A value as a message quotes it: text with its spaces collapsed, a spreadsheet's TRUE as `Ya`."""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    return " ".join(str(value).split())


def _compact(text: str) -> tuple[str, bool]:
    """The digits and separators of `text`, and whether it is negative."""
    compact = "".join(text.split())
    negative = False
    if compact.startswith("(") and compact.endswith(")"):
        compact, negative = compact[1:-1], True
    if compact[:1] and compact[:1] in _MINUS_SIGNS:  # `-5`, `-Rp 5`
        compact, negative = compact[1:], True
    compact = _CURRENCY_RE.sub("", compact)
    if not negative and compact[:1] and compact[:1] in _MINUS_SIGNS:  # `Rp -5`
        compact, negative = compact[1:], True
    if compact.endswith((",-", ".-")):
        compact = compact[:-2]
    return compact, negative


def _plain(compact: str, *, thousands: bool) -> str | None:
    """`compact` (digits, dots, commas) as Decimal's notation, or None when its separators make no sense."""
    dots, commas = compact.count("."), compact.count(",")
    if dots and commas:
        if not thousands:
            return None
        mark = "," if compact.rfind(",") > compact.rfind(".") else "."
        whole, _, fraction = compact.rpartition(mark)
        separator, pattern = (".", _THOUSANDS_DOT_RE) if mark == "," else (",", _THOUSANDS_COMMA_RE)
        if mark in whole or (separator in whole and not pattern.match(whole)):
            return None
        return f"{whole.replace(separator, '')}.{fraction}"
    if commas > 1 or dots > 1:
        pattern = _THOUSANDS_COMMA_RE if commas else _THOUSANDS_DOT_RE
        if not thousands or not pattern.match(compact):
            return None
        return compact.replace(",", "").replace(".", "")
    if dots and thousands and _THOUSANDS_DOT_RE.match(compact):
        return compact.replace(".", "")
    return compact.replace(",", ".")


def parse_number(value: Any, *, thousands: bool = True) -> Decimal | None:
    """A number from text (or from a spreadsheet's numeric cell); None when blank.

    `thousands=False` for values that never have thousands separators (coordinates): then `114.591` is a decimal.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise NumberError(f"{shown(value)!r} bukan angka")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # the digits the spreadsheet shows, not the binary expansion
    if not isinstance(value, str):
        raise NumberError(f"{shown(value)!r} bukan angka")
    text = shown(value)
    if not text:
        return None
    compact, negative = _compact(text)
    if not _NUMBER_RE.match(compact):
        raise NumberError(f"{text!r} bukan angka")
    plain = _plain(compact, thousands=thousands)
    if plain is None:
        raise NumberError(f"{text!r} bukan angka yang dapat dibaca")
    try:
        number = Decimal(plain)
    except InvalidOperation as exc:  # pragma: no cover - the patterns above let only digits and one point through
        raise NumberError(f"{text!r} bukan angka yang dapat dibaca") from exc
    return -number if negative else number


def format_number(value: Decimal | int, *, trim: bool = False) -> str:
    """Indonesian notation, fraction kept: 1500000.50 -> `1.500.000,50` (`trim`: `1.500.000,5`)."""
    number = Decimal(value)
    whole, _, fraction = f"{abs(number):f}".partition(".")
    if trim:
        fraction = fraction.rstrip("0")
    text = format_thousands(Decimal(whole)) + (f",{fraction}" if fraction else "")
    return f"-{text}" if number < 0 else text


def _is_float_noise(value: Any, number: Decimal, rounded: Decimal, tolerance: str) -> bool:
    """A numeric cell computed by a formula may carry binary noise (1500000000.0000002): that is not a fraction."""
    return isinstance(value, float) and abs(number - rounded) < Decimal(tolerance)


def parse_amount(value: Any, *, digits: int = MAX_AMOUNT_DIGITS) -> Decimal | None:
    """Whole, non-negative rupiah of at most `digits` digits (a total of several amounts may have more). A fraction
    is an error, not rounded away (`,00` and `,-` are whole)."""
    if type(value) is int and 0 <= value < 10**digits:
        return Decimal(value)  # a numeric cell of whole rupiah, most of them: what the checks below let through
    number = parse_number(value)
    if number is None:
        return None
    if number < 0:
        raise NumberError(f"pagu tidak boleh negatif (Rp {format_number(number)})")
    whole = number.to_integral_value()
    if number != whole and not _is_float_noise(value, number, whole, "0.000001"):
        raise NumberError(f"pagu harus dalam rupiah bulat tanpa sen (Rp {format_number(number)})")
    if whole >= 10**digits:
        raise NumberError(f"pagu terlalu besar: paling banyak Rp {format_number(10**digits - 1)} ({digits} angka)")
    return whole


def parse_volume(value: Any, *, label: str = "volume", allow_zero: bool = False) -> Decimal | None:
    """A target volume: above zero (or at least zero with `allow_zero`), at most two decimals."""
    number = parse_number(value)
    if number is None:
        return None
    if number < 0 or (number == 0 and not allow_zero):
        raise NumberError(f"{label} tidak boleh negatif" if allow_zero else f"{label} harus lebih dari 0")
    if number >= MAX_VOLUME:  # before rounding: a 40-digit number cannot be rounded in Decimal's 28 digits
        raise NumberError(f"{label} terlalu besar")
    rounded = number.quantize(VOLUME_PLACES, rounding=ROUND_HALF_UP)
    if rounded != number and not _is_float_noise(value, number, rounded, "0.0000001"):
        raise NumberError(f"{label} paling banyak 2 angka di belakang koma ({shown(value)})")
    if rounded >= MAX_VOLUME:
        raise NumberError(f"{label} terlalu besar")
    return rounded


def parse_coordinate(value: Any, *, limits: tuple[Decimal, Decimal], label: str) -> Decimal | None:
    """Decimal degrees inside Indonesia's bounding box, rounded to the six places the database keeps."""
    number = parse_number(value, thousands=False)
    if number is None:
        return None
    low, high = limits
    if abs(number) >= 10**6:  # refused before rounding, which a 400-digit number would overflow
        raise NumberError(
            f"{label} {shown(value)[:30]} di luar wilayah Indonesia ({format_number(low)} s.d. {format_number(high)})"
        )
    number = number.quantize(COORDINATE_PLACES, rounding=ROUND_HALF_UP)
    if not low <= number <= high:
        raise NumberError(
            f"{label} {_fixed(number)} di luar wilayah Indonesia ({format_number(low)} s.d. {format_number(high)})"
        )
    return number


def _fixed(number: Decimal) -> str:
    """All six places of a coordinate, Indonesian style: -3.4 -> `-3,400000`."""
    return f"{number:f}".replace(".", ",")


# Form fields ----------------------------------------------------------------------------------------------------------


class NumberInput(forms.TextInput):
    """A text box for a number, never `type=number`: the browser's number input reads `1,8` as 18 or as nothing,
    depending on its own language. Shows the stored value in Indonesian notation."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, inputmode: str = "decimal") -> None:
        super().__init__({"inputmode": inputmode, "class": "text-end", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return format_number(value, trim=True)
        return super().format_value(value)


def sentence(message: str) -> str:
    """A parser message as a form shows it: capitalised, with a full stop."""
    return f"{message[:1].upper()}{message[1:]}."


class NumberField(forms.Field):
    """A form field read by one of the parsers above; their message is the form's message."""

    widget = NumberInput

    def parse(self, value: Any) -> Decimal | None:
        return parse_number(value)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        try:
            return self.parse(value)
        except NumberError as exc:
            raise ValidationError(sentence(str(exc)), code="invalid") from exc

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != (None if initial in self.empty_values else Decimal(initial))
        except (ValidationError, InvalidOperation, TypeError, ValueError):
            return True


class RupiahField(NumberField):
    """Whole rupiah, typed as `1500000000`, `1.500.000.000` or `Rp 1.500.000.000`; no sen, not negative."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", NumberInput(inputmode="numeric"))
        super().__init__(**kwargs)

    def parse(self, value: Any) -> Decimal | None:
        return parse_amount(value)


class VolumeField(NumberField):
    """A volume such as `2,5` or `1.500`: above zero (at least zero with `allow_zero`), two decimals at most."""

    def __init__(self, *, noun: str = "volume", allow_zero: bool = False, **kwargs: Any) -> None:
        self.noun, self.allow_zero = noun, allow_zero
        super().__init__(**kwargs)

    def parse(self, value: Any) -> Decimal | None:
        return parse_volume(value, label=self.noun, allow_zero=self.allow_zero)


class CoordinateField(NumberField):
    """Latitude or longitude in decimal degrees (`-3,4128` or `-3.4128`), inside Indonesia."""

    def __init__(self, *, noun: str, limits: tuple[Decimal, Decimal], **kwargs: Any) -> None:
        self.noun, self.limits = noun, limits
        super().__init__(**kwargs)

    def parse(self, value: Any) -> Decimal | None:
        return parse_coordinate(value, limits=self.limits, label=self.noun)
