"""Entry of one figure and of a denominator: the forms check the values and ask the policy whether this user may
enter this figure in this region; the services write (and ask again)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Region
from programs.models import IndicatorTarget
from rakornis import fiscal_year, policy
from rakornis.numbers import NumberField

Figure = IndicatorTarget.Figure
# The columns hold 16 digits, 4 after the decimal point.
MAX_VALUE = Decimal(10) ** 12
VALUE_PLACES = 4


def value_problem(value: Decimal, *, positive: bool = False) -> str | None:
    """Why a typed figure is refused (a sentence), or None."""
    if value < 0 or (positive and value == 0):
        return gettext("Nilai harus lebih dari nol.") if positive else gettext("Nilai tidak boleh negatif.")
    if value >= MAX_VALUE:
        return gettext("Nilai terlalu besar (paling banyak 12 angka sebelum koma).")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > VALUE_PLACES:
        return gettext("Paling banyak 4 angka di belakang koma.")
    return None


class _RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.code} {obj.name}"


class SourceFields(forms.Form):
    source_document = forms.CharField(
        label=_("Dokumen sumber"),
        max_length=300,
        help_text=_("Mis. RPJMD Provinsi Kalimantan Selatan 2025–2029, SK Penetapan Kawasan Kumuh, laporan dinas."),
    )
    source_number = forms.CharField(label=_("Nomor SK/dokumen"), max_length=100, required=False)
    source_date = forms.DateField(
        label=_("Tanggal dokumen"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class FigureForm(SourceFields):
    """One baseline, target or realisation of the indicator in a region and year, with its source."""

    region = _RegionChoiceField(label=_("Wilayah"), queryset=Region.objects.none())
    year = forms.IntegerField(label=_("Tahun"), min_value=2000, max_value=2100)
    figure = forms.ChoiceField(label=_("Jenis angka"), choices=Figure.choices)
    value = NumberField(label=_("Nilai"))

    field_order = ["region", "year", "figure", "value", "source_document", "source_number", "source_date"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # Realisations are open to the most roles: every region where the user may enter anything.
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        region.queryset = policy.indicator_regions_for(user, Figure.REALISATION).order_by("code")

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        problem = fiscal_year.typed_year_problem(year)
        if problem:
            raise forms.ValidationError(problem[:1].upper() + problem[1:] + ".")
        return year

    def clean_value(self) -> Decimal:
        value: Decimal | None = self.cleaned_data.get("value")
        if value is None:
            raise forms.ValidationError(gettext("Isi nilainya."))
        problem = value_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        region, figure = cleaned.get("region"), cleaned.get("figure")
        if region is not None and figure and not policy.may_enter_indicator_figure(self.user, figure, region.code):
            self.add_error(
                "figure",
                gettext(
                    "Peran Anda tidak mengizinkan mengisi %(figure)s di %(region)s: baseline dan target diisi "
                    "perencana atau verifikator; realisasi juga oleh operator kabupaten/kota sendiri."
                )
                % {"figure": str(Figure(figure).label).lower(), "region": region.name},
            )
        return cleaned


class DenominatorForm(SourceFields):
    """What the indicator counts against in a region (RTLH recorded; the slum area of an SK)."""

    region = _RegionChoiceField(label=_("Wilayah"), queryset=Region.objects.none())
    value = NumberField(label=_("Penyebut"))
    label = forms.CharField(label=_("Keterangan"), max_length=200, help_text=_("Mis. “RTLH terdata”."))

    field_order = ["region", "value", "label", "source_document", "source_number", "source_date"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        region.queryset = policy.indicator_regions_for(user, Figure.TARGET).order_by("code")

    def clean_value(self) -> Decimal:
        value: Decimal | None = self.cleaned_data.get("value")
        if value is None:
            raise forms.ValidationError(gettext("Isi penyebutnya."))
        problem = value_problem(value, positive=True)
        if problem:
            raise forms.ValidationError(problem)
        return value
