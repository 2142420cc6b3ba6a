"""The faster drop-down (rakornis.widgets.CompactSelect): the same HTML as Django's Select, escaped the same way, and a
model field's choices read by one plain SELECT, only when the widget renders."""

import re

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Region
from rakornis.widgets import CompactSelect, compact_selects
from tests.factories import province, regency


class RegionForm(forms.Form):
    region = forms.ModelChoiceField(
        queryset=Region.objects.filter(level=Region.Level.REGENCY).order_by("code"), to_field_name="code"
    )
    kind = forms.ChoiceField(choices=[("", "Semua"), ("a", "<Satu> & dua"), ("b", "Tiga")], required=False)


def _options(html: str) -> list[str]:
    """The <select>'s options, whitespace aside: Django's template and ours lay the same tags out differently."""
    return re.findall(r"<option[^>]*>[^<]*</option>", html)


@pytest.fixture
def regions(db):
    province()
    return [regency("63.03", "Kabupaten Banjar"), regency("63.71", 'Kota <Banjarmasin> & "Baru"')]


def test_same_options_as_django_select_escaped_and_selected(regions):
    bound = RegionForm({"region": "63.71", "kind": "a"})
    plain = [str(bound[name]) for name in ("region", "kind")]
    compact_selects(bound)
    assert all(isinstance(field.widget, CompactSelect) for field in bound.fields.values())
    compact = [str(bound[name]) for name in ("region", "kind")]

    for django_html, our_html in zip(plain, compact, strict=True):
        assert _options(our_html) == _options(django_html)
    assert '<option value="63.71" selected>63.71 Kota &lt;Banjarmasin&gt; &amp; &quot;Baru&quot;</option>' in compact[0]
    assert '<option value="a" selected>&lt;Satu&gt; &amp; dua</option>' in compact[1]
    assert compact[0].startswith('<select name="region"') and 'id="id_region"' in compact[0]


def test_model_choices_are_one_plain_select_when_rendered_and_none_before(regions):
    form = RegionForm({"region": "63.03"})
    with CaptureQueriesContext(connection) as building:
        assert form.is_valid()  # the validation reads the chosen row (one query), not the choices
        compact_selects(form)
        form.fields["region"].widget.choices  # noqa: B018 - reading the attribute must not read the table
    assert len(building) == 1

    with CaptureQueriesContext(connection) as rendering:
        html = str(form["region"])
    assert len(rendering) == 1
    # No server-side cursor (DECLARE/FETCH/CLOSE on PostgreSQL): one round trip for the whole list.
    assert not any("DECLARE" in query["sql"] for query in rendering.captured_queries)
    assert _options(html)[1:] == [
        '<option value="63.03" selected>63.03 Kabupaten Banjar</option>',
        '<option value="63.71">63.71 Kota &lt;Banjarmasin&gt; &amp; &quot;Baru&quot;</option>',
    ]
