from decimal import Decimal


def format_thousands(value: Decimal | int) -> str:
    """Whole number with `.` as the thousands separator: 1500000000 -> `1.500.000.000`."""
    whole = int(Decimal(value).to_integral_value())
    return f"{whole:,}".replace(",", ".")


def format_rupiah(value: Decimal | int | None) -> str:
    if value is None or value == "":
        return "—"
    return f"Rp {format_thousands(value)}"
