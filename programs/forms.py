"""Proposal forms: they validate and normalise; the views hand the cleaned data to the services."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Region
from programs.autocomplete import SubActivityField, retired_message
from programs.document_forms import ReadinessFieldsForm
from programs.models import FundingScheme, Nomenclature, Proposal, ProposalDocument, document_kinds
from rakornis import fiscal_year
from rakornis.extents import province_extent
from rakornis.numbers import (
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    CoordinateField,
    NumberInput,
    RupiahField,
    VolumeField,
    sentence,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Schemes a kabupaten/kota spends on its own authority, and the province's own budget.
REGENCY_SCHEMES = {"APBD_KAB", "BKP", "DAK_FISIK", "DAK_NONFISIK"}
PROVINCE_SCHEMES = {"APBD_PROV"}


def funding_level_warning(government_level: str, scheme_codes: set[str]) -> str | None:
    """A warning (not an error) when the sub kegiatan's executing level and the funding do not fit."""
    if government_level == Nomenclature.GovernmentLevel.PROVINCE and scheme_codes & REGENCY_SCHEMES:
        return gettext(
            "Sub kegiatan berkode .1. dilaksanakan oleh Provinsi, tetapi didanai APBD Kabupaten/Kota, Bantuan "
            "Keuangan Provinsi atau DAK. Dana itu dibelanjakan oleh kabupaten/kota untuk kewenangannya sendiri: "
            "pilih sub kegiatan berkode .2., atau ubah sumber dananya menjadi APBD Provinsi."
        )
    if government_level == Nomenclature.GovernmentLevel.REGENCY and scheme_codes & PROVINCE_SCHEMES:
        return gettext(
            "Sub kegiatan berkode .2. dilaksanakan oleh Kabupaten/Kota, tetapi didanai APBD Provinsi. APBD Provinsi "
            "hanya untuk pekerjaan kewenangan provinsi (kode .1.); bantuan provinsi untuk pekerjaan kabupaten/kota "
            "diusulkan sebagai Bantuan Keuangan Provinsi (BKP)."
        )
    return None


class KnownChoiceField(forms.ModelChoiceField):
    """A model choice that takes an object the form already read (`known`, by pk) without reading it again; any other
    value is looked up in the queryset as usual. Saves a query per field on every POST."""

    known: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known = {}

    def to_python(self, value: Any) -> Any:
        key = str(getattr(value, "pk", value))
        return self.known[key] if key in self.known else super().to_python(value)


class ProposalForm(forms.ModelForm):
    """The proposal's own fields. Status, number and version are never taken from the form's fields."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # A text box taking a code, with suggestions as one types (programs/autocomplete.py): a <select> of a complete
    # decree list (25,000 codes) made this form 1.7 MB.
    sub_activity = SubActivityField(label=_("Sub kegiatan"), required=False)
    # Every typed number through rakornis.numbers: text boxes that read `1,8` and `1.8` alike, never type=number.
    volume = VolumeField(
        label=_("Volume"),
        help_text=_("Desimal dengan koma, mis. 2,5."),
        error_messages={"required": _("Volume wajib diisi.")},
    )
    forward_volume = VolumeField(
        label=_("Prakiraan maju volume"), noun="prakiraan maju volume", allow_zero=True, required=False
    )
    forward_amount = RupiahField(label=_("Prakiraan maju pagu (Rp)"), required=False)
    # South of the equator a latitude is negative, and a phone's decimal keypad (inputmode=decimal) has no minus key.
    latitude = CoordinateField(
        label=_("Lintang (mis. -3,3186)"),
        noun="lintang",
        limits=LATITUDE_RANGE,
        required=False,
        widget=NumberInput(inputmode="text"),
    )
    longitude = CoordinateField(label=_("Bujur (mis. 114,5903)"), noun="bujur", limits=LONGITUDE_RANGE, required=False)
    # What the proposer says exists, as the workbook's `Data Dukung Tersedia` column says it; the files themselves are
    # uploaded on the proposal's page.
    declared_documents = forms.TypedMultipleChoiceField(
        label=_("Data dukung yang sudah ada"),
        choices=ProposalDocument.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pernyataan pengusul; unggah berkasnya di halaman usulan. Verifikator tetap memeriksa kesiapan."),
    )

    class Meta:
        model = Proposal
        fields = Proposal.EDITABLE_FIELDS
        field_classes = {"region": KnownChoiceField}
        labels = {
            "out_of_catalogue": _("Di luar nomenklatur (sub kegiatan belum ada di daftar)"),
            "out_of_catalogue_reason": _("Penjelasan di luar nomenklatur"),
        }
        widgets = {
            "location": forms.TextInput(attrs={"placeholder": _("Ruas jalan, STA, dusun, patokan")}),
            "out_of_catalogue_reason": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "name": {"required": _("Nama usulan wajib diisi.")},
            "unit": {"required": _("Satuan wajib diisi, misalnya km, unit, Ha.")},
        }

    def __init__(self, *args, regencies, agencies, **kwargs) -> None:
        """`regencies` and `agencies` are the user's scope for this form (the view decides them from the roles)."""
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regencies
        self.fields["region"].empty_label = gettext("— pilih kabupaten/kota —")
        # One kabupaten/kota to choose from (an operator's own): fixed, and whatever is posted for it is ignored.
        only = list(regencies[:2])
        if len(only) == 1:
            self.fields["region"].disabled = True
            self.fields["region"].known = {str(only[0].pk): only[0]}
            self.initial["region"] = only[0].pk
            self.fields["region"].help_text = gettext("Kabupaten/kota Anda.")
        region = only[0] if len(only) == 1 else self._chosen_region(regencies)
        self.fields["agency"].queryset = agencies.filter(region=region) if region else agencies.none()
        self.fields["agency"].empty_label = gettext("— pilih perangkat daerah —")
        self.fields["agency"].help_text = gettext("Perangkat daerah kabupaten/kota yang mengusulkan.")
        districts = Region.objects.districts()
        self.fields["district"].queryset = districts.filter(parent=region) if region else districts.none()
        self.fields["district"].empty_label = gettext("— semua/belum ditentukan —")
        villages = Region.objects.villages()
        self.fields["village"].queryset = (
            villages.filter(code__startswith=f"{region.code}.") if region else villages.none()
        )
        self.fields["village"].empty_label = gettext("— semua/belum ditentukan —")
        for name in ("district", "village"):
            self.fields[name].label_from_instance = lambda region: region.name
        saved = self.instance.sub_activity if self.instance.sub_activity_id else None
        self.fields["sub_activity"].kept = saved
        self.fields["sub_activity"].help_text = gettext(
            "Kode .1. = dikerjakan Provinsi (mis. jalan provinsi, didanai APBD Provinsi); "
            "kode .2. = dikerjakan Kabupaten/Kota (APBD Kab/Kota, BKP, DAK)."
        )
        if saved is not None and not saved.is_active:
            # Kept as it was saved; the new code the decree names is suggested.
            self.fields["sub_activity"].help_text = (
                retired_message(saved) + " Kode lama boleh tetap dipakai usulan ini."
            )
        self.fields["priority"].choices = Proposal.Priority.choices
        self.fields["origin"].choices = Proposal.Origin.choices
        if self.instance.pk is None:
            del self.fields["version"]
        else:
            self.initial.setdefault("version", self.instance.version)
        self.helper = self._helper()

    def _chosen_region(self, regencies) -> Region | None:
        field = self.fields["region"]
        if field.disabled:
            key = self.initial.get("region")
        elif self.is_bound:
            key = self.data.get(self.add_prefix("region"))
        else:
            key = self.initial.get("region") or self.instance.region_id
        if not key:
            return None
        try:
            return regencies.filter(pk=key).first()
        except (ValueError, TypeError):
            return None

    def _helper(self) -> FormHelper:
        helper = FormHelper(self)
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            *(["version"] if "version" in self.fields else []),
            Fieldset(
                _("Wilayah dan pengusul"),
                Row(
                    Column("fiscal_year", css_class="col-md-3"),
                    Column("region", css_class="col-md-4"),
                    Column("agency", css_class="col-md-5"),
                ),
                Row(Column("district", css_class="col-md-6"), Column("village", css_class="col-md-6")),
                "location",
                Row(Column("latitude", css_class="col-md-6"), Column("longitude", css_class="col-md-6")),
            ),
            Fieldset(
                _("Sub kegiatan"),
                "sub_activity",
                "out_of_catalogue",
                Div("out_of_catalogue_reason", css_id="out-of-catalogue-reason"),
            ),
            Fieldset(
                _("Usulan"),
                "name",
                Row(
                    Column("volume", css_class="col-md-3"),
                    Column("unit", css_class="col-md-3"),
                    Column("priority", css_class="col-md-3"),
                    Column("origin", css_class="col-md-3"),
                ),
                "output_indicator",
            ),
            HTML('{% include "programs/includes/funding_formset.html" %}'),
            Fieldset(
                _("Prakiraan maju (tahun n+1) dan keterangan"),
                Row(Column("forward_volume", css_class="col-md-6"), Column("forward_amount", css_class="col-md-6")),
                "notes",
            ),
            Fieldset(_("Data dukung"), "declared_documents"),
        )
        return helper

    def clean_declared_documents(self) -> list[str]:
        return document_kinds(self.cleaned_data.get("declared_documents"))

    def clean_fiscal_year(self) -> int:
        year = self.cleaned_data["fiscal_year"]
        saved = self.instance.fiscal_year if self.instance.pk else None
        if problem := fiscal_year.typed_year_problem(year, saved=saved):
            raise ValidationError(sentence(problem), code="fiscal_year_range")
        return year

    def _get_validation_exclusions(self) -> set[str]:
        """The model's own validation skips the foreign keys: each was just checked by its choice field against a
        narrower queryset (the user's scope), and the model would read each row again."""
        return super()._get_validation_exclusions() | {"region", "agency", "district", "village", "sub_activity"}

    def validate_constraints(self) -> None:
        """Not run: every check constraint of a proposal is a rule on this form's own fields that the fields and
        `clean` enforce with their own message (tests/programs/test_proposal_create.py names each), and the
        database checks them again on save; running them here cost a query and two savepoints each."""

    def clean(self):
        cleaned = super().clean()
        region: Region | None = cleaned.get("region")
        agency: Agency | None = cleaned.get("agency")
        district: Region | None = cleaned.get("district")
        village: Region | None = cleaned.get("village")
        if region and agency and agency.region_id != region.pk:
            self.add_error("agency", gettext("Perangkat daerah ini bukan dari kabupaten/kota yang dipilih."))
        if region and district and district.parent_id != region.pk:
            self.add_error("district", gettext("Kecamatan ini tidak berada di kabupaten/kota yang dipilih."))
        if village and district and village.parent_id != district.pk:
            self.add_error("village", gettext("Desa/kelurahan ini tidak berada di kecamatan yang dipilih."))
        if cleaned.get("out_of_catalogue"):
            if not (cleaned.get("out_of_catalogue_reason") or "").strip():
                self.add_error(
                    "out_of_catalogue_reason",
                    gettext(
                        "Jelaskan mengapa usulan ini di luar nomenklatur "
                        "(sub kegiatan apa yang dibutuhkan dan mengapa)."
                    ),
                )
            # Out of catalogue means no code: a chosen sub kegiatan is dropped rather than stored beside it.
            cleaned["sub_activity"] = None
        elif not cleaned.get("sub_activity") and "sub_activity" not in self.errors:
            self.add_error(
                "sub_activity",
                gettext("Pilih sub kegiatan, atau centang “di luar nomenklatur” dan jelaskan alasannya."),
            )
        else:
            cleaned["out_of_catalogue_reason"] = ""
        # Each coordinate is checked by its field (inside Indonesia); here only that they come as a pair.
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None) and not {"latitude", "longitude"} & set(self.errors):
            self.add_error(
                "longitude" if longitude is None else "latitude",
                gettext("Isi lintang dan bujur, atau kosongkan keduanya."),
            )
        # Inside Indonesia (each field), and inside the kabupaten/kota's province (here, once the region is known).
        extent = province_extent(region.code) if region else None
        if extent is not None and latitude is not None and (problem := extent.latitude_problem(latitude)):
            self.add_error("latitude", sentence(problem))
        if extent is not None and longitude is not None and (problem := extent.longitude_problem(longitude)):
            self.add_error("longitude", sentence(problem))
        return cleaned


class FundingLineForm(forms.Form):
    scheme = KnownChoiceField(
        label=_("Sumber dana"),
        queryset=FundingScheme.objects.all(),
        empty_label=_("— pilih skema —"),
        error_messages={"required": _("Pilih skema pendanaan.")},
    )
    amount = RupiahField(label=_("Pagu indikatif (Rp)"), error_messages={"required": _("Isi pagu (boleh 0).")})


class BaseFundingFormSet(BaseFormSet):
    @cached_property
    def schemes(self) -> dict[str, FundingScheme]:
        """Every scheme, read once for all the lines (each line's choice would read its own)."""
        return {str(scheme.pk): scheme for scheme in FundingScheme.objects.all()}

    def _construct_form(self, i: int, **kwargs: Any) -> forms.Form:
        form = super()._construct_form(i, **kwargs)
        if self.is_bound:
            form.fields["scheme"].known = self.schemes
        return form

    def clean(self) -> None:
        if any(self.errors):
            return
        seen = set()
        positive = False
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            scheme = form.cleaned_data.get("scheme")
            amount = form.cleaned_data.get("amount")
            if scheme is None:
                continue
            if scheme.pk in seen:
                form.add_error(
                    "scheme",
                    gettext("Skema %(scheme)s sudah dipakai di baris lain; gabungkan pagunya.")
                    % {"scheme": scheme.name},
                )
                raise ValidationError(gettext("Setiap skema pendanaan hanya boleh satu baris."))
            seen.add(scheme.pk)
            positive = positive or (amount or 0) > 0
        if not positive:
            raise ValidationError(gettext("Isi minimal satu sumber dana dengan pagu lebih dari Rp 0."))

    def lines(self) -> list[tuple[FundingScheme, Decimal]]:
        return [
            (form.cleaned_data["scheme"], form.cleaned_data["amount"])
            for form in self.forms
            if form.cleaned_data.get("scheme") and not (self.can_delete and self._should_delete_form(form))
        ]


# One empty row to start with; `BaseFundingFormSet.clean` requires a line with an amount above zero.
FundingFormSet = formset_factory(FundingLineForm, formset=BaseFundingFormSet, extra=0, can_delete=True, min_num=1)


class ReturnForm(forms.Form):
    note = forms.CharField(
        label=_("Catatan perbaikan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Catatan pengembalian wajib diisi.")},
    )


# The actions the proposal list applies to the ticked proposals, with their button and the noun of the summary.
BULK_ACTION_LABELS: dict[str, StrOrPromise] = {
    "submit": _("Ajukan ke provinsi"),
    "verify": _("Verifikasi"),
    "return": _("Kembalikan untuk perbaikan"),
    "carry_over": _("Lanjutkan ke TA berikutnya"),
}


class BulkActionForm(ReadinessFieldsForm):
    """One action for every proposal ticked on the list, with one note for all and, for a verification or a return,
    the readiness criteria that all of them meet: the fields and the note's rule of the checklist page
    (`ReadinessFieldsForm`). It validates only: the view checks the user's roles on each proposal and the services
    the statuses, all or nothing."""

    action = forms.ChoiceField(
        label=_("Tindakan"),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _("Pilih tindakannya."),
            "invalid_choice": _("Tindakan itu tidak tersedia untuk semua usulan yang dipilih."),
        },
    )

    field_order = ["action", "criteria", "note"]

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [(value, BULK_ACTION_LABELS[value]) for value in actions]
        if len(actions) == 1:
            action.initial = actions[0]

    def met_ids(self) -> list[int] | None:
        """The ticked criteria, for a verification or a return (recorded with it); None for the other actions."""
        if self.cleaned_data.get("action") not in ("verify", "return"):
            return None
        return self.criteria_met()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (action := cleaned.get("action")) in ("verify", "return"):
            self.check_note(cleaned, verify=action == "verify")
        return cleaned
