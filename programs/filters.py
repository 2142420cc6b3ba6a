"""The proposal list's filters; every drop-down offers only what the signed-in user may see."""

from __future__ import annotations

import re
from types import SimpleNamespace

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField as FilterModelChoiceField

from agencies.models import Agency, Region
from programs import overlaps
from programs.models import FundingScheme, Proposal, ProposalFunding
from rakornis import fiscal_year
from rakornis.policy import agencies_for, regencies_for
from rakornis.widgets import compact_selects


def _regencies(request):
    return regencies_for(request.user) if request is not None else Region.objects.none()


def _agencies(request):
    return agencies_for(request.user).order_by("short_name") if request is not None else Agency.objects.none()


# More kabupaten/kota than this in the user's scope and the list's kabupaten/kota filter is a code box with suggestions
# (RegionCodeInput) instead of a drop-down: a province has at most 38 (Jawa Timur), so a provincial or kabupaten
# user (or one with roles in two provinces) keeps the drop-down, while an administrator or a national role, who sees
# all 514 of the reference data, no longer gets a 514-option list nobody scrolls that cost ~12 ms of each list page.
REGION_SELECT_LIMIT = 60

# A kabupaten/kota code as the filter takes it (`63.03`); anything else is refused without a query.
REGENCY_CODE_RE = r"^\d{2}\.\d{2}$"


class RegionCodeInput(forms.TextInput):
    """The kabupaten/kota filter as a code box: static/js/subactivity_autocomplete.js suggests the kabupaten/kota of
    the user's scope (programs.autocomplete.region_search) and writes the chosen code; without the script a typed
    code works too. The address keeps `?region=<code>`, as the drop-down's."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(
            {
                "placeholder": _("Kode atau nama, mis. 63.03 atau banjar"),
                "autocomplete": "off",
                "spellcheck": "false",
                "data-autocomplete-url": reverse_lazy("programs:region-search"),
                "data-autocomplete-fill": "code",
                **(attrs or {}),
            }
        )


class RegionField(FilterModelChoiceField):
    """A kabupaten/kota of the scope (the field's queryset) by its code, from the drop-down or typed in the box; the
    cleaned value is the Region. A code that is unknown or outside the scope is one error (it does not say which,
    so nothing leaks), and the list then selects nothing (`filter_proposals`)."""

    default_error_messages = {
        "invalid_choice": _(
            "Kabupaten/kota dengan kode %(value)s tidak ada atau di luar cakupan Anda. Ketik kode seperti 63.03, "
            "atau pilih dari saran."
        ),
    }

    def to_python(self, value):
        if isinstance(value, str):
            # What a reader pastes from the suggestions ("63.03 Kabupaten Banjar") names the same code.
            words = value.split()
            value = words[0] if words else ""
            if value and not re.match(REGENCY_CODE_RE, value):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value[:20]}
                )
        return super().to_python(value)


class RegionFilter(django_filters.ModelChoiceFilter):
    field_class = RegionField


def _fiscal_years(also: int | None = None) -> list[tuple[int, str]]:
    """The years around the planning default, and `also` (a year the address names, e.g. the planning year)."""
    default = fiscal_year.default_year()
    years = {*range(default + 2, default - 5, -1), *([also] if also is not None else [])}
    return [(year, str(year)) for year in sorted(years, reverse=True)]


# A program (U.BB.PP) or kegiatan (U.BB.PP.A.KK) code, the list's program filter.
PROGRAM_OR_ACTIVITY_CODE_RE = r"^\d\.\d{2}\.\d{2}(\.[12]\.\d{2})?$"

# Status groups the list filters by besides single statuses: "proposed" is what "pagu usulan" adds on the home page.
PROPOSED = "proposed"
STATUS_CHOICES = [*Proposal.Status.choices, (PROPOSED, _("Dihitung di pagu usulan (diajukan s.d. disepakati)"))]


class SortFilter(django_filters.OrderingFilter):
    """Whitelisted `?sort=` values; ties broken by number so pages never overlap, in the direction of the sort, so
    that an index on (..., total_amount, number) reads either direction in order."""

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        tie = "-number" if ordering[0].startswith("-") else "number"
        return qs.order_by(*ordering, *([tie] if ordering[-1].lstrip("-") != "number" else []))


class ProposalFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Cari"), method="search")
    fiscal_year = django_filters.ChoiceFilter(label=_("Tahun anggaran"), choices=_fiscal_years, empty_label=_("Semua"))
    # A drop-down for a scope of up to REGION_SELECT_LIMIT kabupaten/kota, a code box with suggestions beyond
    # (`form_columns`); the same `?region=<code>` either way.
    region = RegionFilter(label=_("Kabupaten/kota"), queryset=_regencies, to_field_name="code", empty_label=_("Semua"))
    agency = django_filters.ModelChoiceFilter(label=_("Perangkat daerah"), queryset=_agencies, empty_label=_("Semua"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("Semua")
    )
    # Choices from the schemes the page read once (`schemes=`), not a query of their own.
    scheme = django_filters.ChoiceFilter(label=_("Skema pendanaan"), method="filter_scheme", empty_label=_("Semua"))
    # A code box with suggestions (static/js/subactivity_autocomplete.js), not a <select> of every program and
    # kegiatan (1,600 options, 150 KB, with a complete decree list).
    program = django_filters.CharFilter(
        label=_("Program/kegiatan"),
        method="filter_program",
        validators=[
            RegexValidator(
                PROGRAM_OR_ACTIVITY_CODE_RE,
                _("Tulis kode program (mis. 1.03.10) atau kegiatan (mis. 1.03.10.2.01), atau pilih dari saran."),
            )
        ],
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Kode atau nama, mis. 1.03.10"),
                "autocomplete": "off",
                "data-autocomplete-url": reverse_lazy("programs:program-search"),
                "data-autocomplete-fill": "code",
            }
        ),
    )
    priority = django_filters.ChoiceFilter(
        label=_("Prioritas"), choices=Proposal.Priority.choices, empty_label=_("Semua")
    )
    origin = django_filters.ChoiceFilter(
        label=_("Sumber usulan"), choices=Proposal.Origin.choices, empty_label=_("Semua")
    )
    overlap = django_filters.BooleanFilter(
        label=_("Tumpang tindih"),
        method="filter_overlap",
        widget=forms.Select(choices=[("", _("Semua")), ("true", _("Kemungkinan tumpang tindih"))]),
    )
    sort = SortFilter(
        label=_("Urutkan"),
        empty_label=_("Tahun, nomor"),
        fields=(
            ("number", "number"),
            ("name", "name"),
            ("region__code", "region"),
            ("status", "status"),
            ("total_amount", "total"),
        ),
        field_labels={
            "number": _("Nomor (naik)"),
            "-number": _("Nomor (turun)"),
            "name": _("Nama (A-Z)"),
            "-name": _("Nama (Z-A)"),
            "region__code": _("Kab/kota (naik)"),
            "-region": _("Kab/kota (turun)"),
            "status": _("Status (naik)"),
            "-status": _("Status (turun)"),
            "total_amount": _("Pagu terkecil"),
            "-total": _("Pagu terbesar"),
        },
    )

    class Meta:
        model = Proposal
        fields: list[str] = []

    def __init__(self, *args, schemes: list[FundingScheme] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.schemes = {scheme.code: scheme for scheme in (FundingScheme.objects.all() if schemes is None else schemes)}
        self.filters["scheme"].extra["choices"] = [(code, scheme.name) for code, scheme in self.schemes.items()]
        # A year in range that the address names (the planning year may lie outside the usual window) is offered.
        named = fiscal_year.parse_year(self.data.get("fiscal_year")) if self.data else None
        self.filters["fiscal_year"].extra["choices"] = _fiscal_years(named)

    # Each field's column in the filter form's grid (programs/includes/proposal_filter_form.html): wide for the
    # search, the agency and the program code, narrow for the rest.
    WIDE = "col-12 col-md-6 col-xl-4 mb-0"
    NARROW = "col-6 col-md-3 col-xl-2 mb-0"
    COLUMNS = {"q": WIDE, "agency": WIDE, "program": WIDE}

    @property
    def form(self) -> forms.Form:
        form = super().form
        if not getattr(form, "_styled", False):
            compact_selects(form)  # a hundred options or more: a third of the time (rakornis.widgets)
            for field in form.fields.values():
                field.widget.attrs["class"] = (
                    "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                )
            form._styled = True
        return form

    @property
    def form_columns(self) -> list[tuple[forms.BoundField, str]]:
        """The filter form's fields with their grid column, rendered by one plain template: crispy-forms' layout
        and per-field templates cost a third of the list page's time at 500,000 proposals (35 of 110 ms)."""
        form = self.form
        self._region_box_or_choices(form)
        invalid = set(form.errors) if form.is_bound else set()
        for name in invalid:
            widget = form.fields[name].widget
            if "is-invalid" not in widget.attrs["class"]:
                widget.attrs["class"] += " is-invalid"
        # The kabupaten/kota box is wide, as the program box: its suggestions ("63.11 Kabupaten Hulu Sungai Selatan")
        # and its placeholder fit a narrow column only wrapped.
        columns = (
            {**self.COLUMNS, "region": self.WIDE}
            if isinstance(form.fields["region"].widget, RegionCodeInput)
            else self.COLUMNS
        )
        return [(form[name], columns.get(name, self.NARROW)) for name in form.fields]

    def _region_box_or_choices(self, form: forms.Form) -> None:
        """The kabupaten/kota filter a drop-down of the scope's kabupaten/kota, or the code box when the scope holds
        more than REGION_SELECT_LIMIT. Decided when the form is drawn, from one read of at most LIMIT + 1 of them,
        which also gives the drop-down its options: the one query the drop-down read before, and none for a form
        that is only validated (an export's filters)."""
        field = form.fields.get("region")
        if not isinstance(field, RegionField) or getattr(form, "_region_widget_chosen", False):
            return
        form._region_widget_chosen = True  # type: ignore[attr-defined]
        first = list(field.queryset[: REGION_SELECT_LIMIT + 1])
        if len(first) <= REGION_SELECT_LIMIT:
            field.widget.choices = [("", field.empty_label), *((region.code, str(region)) for region in first)]
            return
        field.widget = RegionCodeInput(attrs={"class": "form-control"})
        chosen = form.cleaned_data.get("region") if form.is_bound and hasattr(form, "cleaned_data") else None
        if isinstance(chosen, Region):
            # The box shows the code; the name of what it filters by goes under it (on the bound field, which
            # validation has made already).
            form["region"].help_text = chosen.name

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(name__icontains=value) | Q(location__icontains=value))

    def filter_status(self, queryset, name, value):
        return queryset.proposed() if value == PROPOSED else queryset.filter(status=value)

    def filter_scheme(self, queryset, name, value):
        # EXISTS rather than a join: a proposal with two lines would otherwise appear twice.
        scheme = self.schemes[value]
        return queryset.filter(Exists(ProposalFunding.objects.filter(proposal=OuterRef("pk"), scheme=scheme)))

    def filter_overlap(self, queryset, name, value):
        """Proposals that another proposal may overlap (`programs.overlaps`): the rule warns, this finds them."""
        return overlaps.only_overlapping(queryset) if value else queryset

    def filter_program(self, queryset, name, value):
        return queryset.filter(sub_activity__code__startswith=f"{value}.")


def filter_proposals(
    data, *, user, queryset: QuerySet[Proposal] | None = None, schemes: list[FundingScheme] | None = None
) -> tuple[ProposalFilter, QuerySet]:
    """The proposal list's filterset over `data` (a request's GET) and the proposals it selects, in `user`'s scope.

    Shared by the list, its Excel export and the background export job, so the file holds exactly what the list
    shows. The filterset only needs `request.user` (for the drop-downs), so a job passes the user alone. An invalid
    filter value (a kabupaten/kota outside the scope, a made-up status) selects nothing, not everything.
    """
    base = Proposal.objects.for_user(user) if queryset is None else queryset
    filterset = ProposalFilter(data or None, queryset=base, request=SimpleNamespace(user=user), schemes=schemes)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, base.none()
    return filterset, filterset.qs
