from decimal import Decimal

from django import template

from rakornis.formatting import format_rupiah

register = template.Library()


@register.filter
def rupiah(value: Decimal | int | None) -> str:
    """`1500000000` -> `Rp 1.500.000.000`, whatever the active language (rupiah are written the Indonesian way)."""
    return format_rupiah(value)
