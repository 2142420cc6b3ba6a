"""Numbers, days and dates in Indonesian words, as official minutes (berita acara) write them.

`number_in_words(2026)` -> `dua ribu dua puluh enam`;
`date_in_words(date(2026, 1, 29))` -> `Kamis, tanggal dua puluh sembilan bulan Januari tahun dua ribu dua puluh enam`.
"""

from __future__ import annotations

from datetime import date

ONES = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]  # date.weekday(): Monday is 0
MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
# Largest group first; "se-" replaces "satu" only for ratus, ribu (not juta and above: "satu juta").
SCALES = [(10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (1000, "ribu")]


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [ONES[hundreds], "ratus"]
    if rest == 0:
        return words
    if rest < 10:
        words.append(ONES[rest])
    elif rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif rest < 20:
        words += [ONES[rest - 10], "belas"]
    else:
        tens, ones = divmod(rest, 10)
        words += [ONES[tens], "puluh"]
        if ones:
            words.append(ONES[ones])
    return words


def number_in_words(n: int) -> str:
    """A whole number in Indonesian words: 1000 -> `seribu`, 1_500_000 -> `satu juta lima ratus ribu`."""
    if n < 0:
        return f"minus {number_in_words(-n)}"
    if n == 0:
        return ONES[0]
    if n >= 10**15:
        raise ValueError("number_in_words supports numbers below 10^15")
    words: list[str] = []
    for size, name in SCALES:
        group, n = divmod(n, size)
        if group == 1 and size == 1000:
            words.append("seribu")
        elif group:
            words += [*_below_thousand(group), name]
    words += _below_thousand(n)
    return " ".join(words)


def day_name(value: date) -> str:
    return DAYS[value.weekday()]


def month_name(value: date) -> str:
    return MONTHS[value.month - 1]


def date_in_words(value: date) -> str:
    """`Kamis, tanggal dua puluh sembilan bulan Januari tahun dua ribu dua puluh enam`."""
    return (
        f"{day_name(value)}, tanggal {number_in_words(value.day)} bulan {month_name(value)} "
        f"tahun {number_in_words(value.year)}"
    )
