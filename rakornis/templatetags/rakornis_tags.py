from decimal import Decimal

from django import template

from rakornis.formatting import format_rupiah
from rakornis.numbers import format_number

register = template.Library()


@register.filter
def rupiah(value: Decimal | int | None) -> str:
    """`1500000000` -> `Rp 1.500.000.000`, whatever the active language (rupiah are written the Indonesian way)."""
    return format_rupiah(value)


@register.filter
def number(value: Decimal | int | None) -> str:
    """A volume or a coordinate as typed in Indonesian, without the trailing zeros of its column: `1,5` (not
    `1,50`), `2.000`, `-3,4128`; `—` when empty. The same on every page, whatever the active language."""
    if value is None or value == "":
        return "—"
    return format_number(value, trim=True)
