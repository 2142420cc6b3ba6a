from datetime import date

import pytest

from rakornis.terbilang import date_in_words, day_name, number_in_words


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "nol"),
        (1, "satu"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (15, "lima belas"),
        (20, "dua puluh"),
        (29, "dua puluh sembilan"),
        (100, "seratus"),
        (101, "seratus satu"),
        (110, "seratus sepuluh"),
        (250, "dua ratus lima puluh"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (1945, "seribu sembilan ratus empat puluh lima"),
        (2026, "dua ribu dua puluh enam"),
        (11000, "sebelas ribu"),
        (100000, "seratus ribu"),
        (1_000_000, "satu juta"),
        (1_500_000_000, "satu miliar lima ratus juta"),
        (2_000_000_000_000, "dua triliun"),
        (-5, "minus lima"),
    ],
)
def test_number_in_words(number, words):
    assert number_in_words(number) == words


def test_number_in_words_refuses_numbers_it_cannot_name():
    with pytest.raises(ValueError):
        number_in_words(10**15)


def test_day_names_follow_the_calendar():
    assert day_name(date(2026, 1, 29)) == "Kamis"
    assert day_name(date(2026, 2, 1)) == "Minggu"
    assert day_name(date(2026, 2, 2)) == "Senin"


def test_date_in_words_as_minutes_write_it():
    assert (
        date_in_words(date(2026, 1, 29))
        == "Kamis, tanggal dua puluh sembilan bulan Januari tahun dua ribu dua puluh enam"
    )
    assert (
        date_in_words(date(2025, 9, 25))
        == "Kamis, tanggal dua puluh lima bulan September tahun dua ribu dua puluh lima"
    )
