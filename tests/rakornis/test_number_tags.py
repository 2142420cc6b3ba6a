"""The dashboard's cheaper number tags write what the tags they replace wrote, in both languages."""

from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import engines
from django.utils import translation

from rakornis.templatetags.rakornis_tags import amount_cells, count


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("value", [0, 7, 999, 1000, 12_345, -4_500, 1_234_567_890, Decimal("1500.5"), None, "12a"])
def test_count_writes_what_intcomma_writes(language, value):
    with translation.override(language):
        assert count(value) == intcomma(value)
    with translation.override(language):
        assert count(5000) == ("5.000" if language == "id" else "5,000")


def test_amount_cells_write_what_the_loop_wrote():
    amounts = [Decimal(0), Decimal(1_500_000_000), Decimal(12), Decimal(0)]
    loop = engines["django"].from_string(
        '{% load rakornis_tags %}{% for amount in amounts %}<td class="amount">{% if amount %}'
        "{{ amount|rupiah }}{% endif %}</td>{% endfor %}"
    )
    assert amount_cells(amounts) == loop.render({"amounts": amounts})
    assert amount_cells(amounts).count("<td") == 4 and "Rp 1.500.000.000" in amount_cells(amounts)
