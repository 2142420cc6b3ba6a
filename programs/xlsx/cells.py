"""Small helpers every exporter uses to turn stored values into cells."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format


def text(value: str | None) -> str:
    """Stored text as a cell shows it: Windows line breaks from text areas become plain ones."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")


def blank_zero(amount: Decimal) -> Decimal | None:
    """Per-scheme cells of body rows stay empty rather than showing `Rp 0` in most columns."""
    return amount or None


def stamp() -> str:
    """Now, as the title lines of a workbook say when it was made."""
    return date_format(timezone.localtime(), "DATETIME_FORMAT")
