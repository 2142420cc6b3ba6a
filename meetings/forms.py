"""Forms of the meetings pages: they validate and normalise; the services in meetings/services.py write."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Layout, Row, Submit
from django import forms
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Region
from meetings.models import MEETING_BASIS_MAX_LENGTH, Attendance, Decision, Meeting, MeetingBasis
from meetings.services import agenda_candidates, default_executing_agency
from programs.models import FundingScheme, Nomenclature, Proposal
from rakornis import fiscal_year, policy
from rakornis.formatting import format_rupiah
from rakornis.numbers import RupiahField, VolumeField, format_number
from rakornis.policy import Action


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["kind", "title", "organiser", "starts_at", "ends_at", "venue", "city", "fiscal_year", "purpose"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "purpose": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "organiser": _(
                "Perangkat daerah yang menyelenggarakan rapat; usulan yang dibahas berasal dari provinsinya."
            ),
            "purpose": _("Dikutip dalam Berita Acara."),
        }

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only agencies where the user is the meeting secretariat: a kabupaten secretary organises kabupaten meetings.
        self.fields["organiser"].queryset = policy.agencies_for(user, Action.MANAGE_MEETING).filter(is_active=True)
        first, last = fiscal_year.typed_window()
        self.fields["fiscal_year"].widget.attrs.update(min=first, max=last)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("kind", css_class="col-md-4"), Column("title", css_class="col-md-8")),
            Row(Column("organiser", css_class="col-md-8"), Column("fiscal_year", css_class="col-md-4")),
            Row(Column("starts_at", css_class="col-md-6"), Column("ends_at", css_class="col-md-6")),
            Row(Column("venue", css_class="col-md-8"), Column("city", css_class="col-md-4")),
            "purpose",
            Submit("submit", _("Simpan rapat")),
        )

    def _date_window(self) -> tuple[int, int]:
        """The years a meeting may be held in: those of the typed fiscal years, and the year before the first (a
        Rakornis meets the year before the one it plans)."""
        first, last = fiscal_year.typed_window()
        return first - 1, last

    def clean_starts_at(self) -> datetime:
        return self._in_window(self.cleaned_data["starts_at"])

    def clean_ends_at(self) -> datetime:
        return self._in_window(self.cleaned_data["ends_at"])

    def _in_window(self, value: datetime) -> datetime:
        first, last = self._date_window()
        if not first <= value.year <= last:  # the wall time as typed, in the user's time zone
            raise forms.ValidationError(
                gettext("Tanggal rapat harus antara 1 Januari %(first)s dan 31 Desember %(last)s.")
                % {"first": first, "last": last},
                code="meeting_date_range",
            )
        return value

    def clean_fiscal_year(self) -> int:
        year = self.cleaned_data["fiscal_year"]
        if problem := fiscal_year.typed_year_problem(year, saved=self.instance.fiscal_year):
            raise forms.ValidationError(f"{problem[:1].upper()}{problem[1:]}.", code="fiscal_year_range")
        return year

    def clean(self) -> dict:
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", gettext("Waktu selesai harus sesudah waktu mulai."))
        return cleaned


class AttendanceForm(forms.ModelForm):
    """The one-line quick form under the attendance table."""

    # Typed as printed ("19680512 199303 1 007"): the spaces go before the model's 18-digit check.
    nip = forms.CharField(label=_("NIP"), required=False, max_length=40)

    class Meta:
        model = Attendance
        fields = ["name", "position", "nip", "agency", "capacity", "represents"]

    def __init__(self, *args, meeting: Meeting, user, focus: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.for_user(user).filter(is_active=True)
        self.fields["agency"].empty_label = gettext("— Instansi —")
        self.fields["nip"].widget.attrs["inputmode"] = "numeric"
        placeholders = {
            "name": gettext("Nama"),
            "position": gettext("Jabatan"),
            "nip": gettext("NIP"),
            "represents": gettext("Mewakili (nama/jabatan)"),
        }
        for name, text in placeholders.items():
            self.fields[name].widget.attrs["placeholder"] = text
        if focus:
            self.fields["name"].widget.attrs["autofocus"] = True
        self.helper = FormHelper()
        self.helper.form_action = reverse("meetings:attendance-add", args=[meeting.pk])
        self.helper.form_show_labels = False
        self.helper.form_class = "attendance-quick-add"
        self.helper.layout = Layout(
            Row(
                Column(Field("name", css_class="form-control-sm"), css_class="col-md-2"),
                Column(Field("position", css_class="form-control-sm"), css_class="col-md-2"),
                Column(Field("nip", css_class="form-control-sm"), css_class="col-md-2"),
                Column(Field("agency", css_class="form-select-sm"), css_class="col-md-2"),
                Column(Field("capacity", css_class="form-select-sm"), css_class="col-md-1"),
                Column(Field("represents", css_class="form-control-sm"), css_class="col-md-2"),
                Column(Submit("submit", "Tambah", css_class="btn-sm w-100"), css_class="col-md-1"),
                css_class="g-1",
            )
        )

    def clean_nip(self) -> str:
        nip = "".join(self.cleaned_data.get("nip", "").split())
        if nip and not (nip.isascii() and nip.isdigit() and len(nip) == 18):
            raise forms.ValidationError(gettext("NIP terdiri atas 18 angka, mis. 19680512 199303 1 007."), code="nip")
        return nip


class BasisForm(forms.ModelForm):
    """One basis the meeting considered: added under the list, or edited in place on the meeting page."""

    class Meta:
        model = MeetingBasis
        fields = ["text"]
        widgets = {"text": forms.TextInput(attrs={"maxlength": MEETING_BASIS_MAX_LENGTH})}

    def clean_text(self) -> str:
        text = " ".join(self.cleaned_data.get("text", "").split())
        if not text:
            raise forms.ValidationError(gettext("Tuliskan dasarnya, mis. RPJMD Provinsi Kalimantan Selatan 2025-2029."))
        return text


class AgendaFilterForm(forms.Form):
    """Which verified proposals of the organiser's province to put on the agenda."""

    regency = forms.ModelChoiceField(
        label=_("Kabupaten/kota"), queryset=Region.objects.none(), required=False, empty_label=_("Semua kabupaten/kota")
    )
    program = forms.ModelChoiceField(
        label=_("Program"), queryset=Nomenclature.objects.none(), required=False, empty_label=_("Semua program")
    )
    scheme = forms.ModelChoiceField(
        label=_("Skema pendanaan"), queryset=FundingScheme.objects.all(), required=False, empty_label=_("Semua skema")
    )

    def __init__(self, *args, meeting: Meeting, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.meeting, self.user = meeting, user
        regencies = Region.objects.regencies().for_user(user)
        if meeting.province_code is not None:
            regencies = regencies.within(meeting.province_code)
        self.fields["regency"].queryset = regencies
        self.fields["program"].queryset = Nomenclature.objects.filter(level=Nomenclature.Level.PROGRAM).active()
        self.helper = FormHelper()
        self.helper.form_action = reverse("meetings:agenda-add", args=[meeting.pk])
        self.helper.layout = Layout(
            Row(
                Column(Field("regency", css_class="form-select-sm"), css_class="col-md-3"),
                Column(Field("program", css_class="form-select-sm"), css_class="col-md-4"),
                Column(Field("scheme", css_class="form-select-sm"), css_class="col-md-3"),
                Column(
                    Submit("submit", "Tambahkan ke agenda", css_class="btn-sm w-100"),
                    css_class="col-md-2 d-flex align-items-end mb-3",
                ),
                css_class="g-2",
            )
        )

    def proposals(self):
        """The verified proposals matching the filter, within the user's scope."""
        proposals = agenda_candidates(self.meeting) & Proposal.objects.for_user(self.user)
        if regency := self.cleaned_data.get("regency"):
            proposals = proposals.filter(region=regency)
        if program := self.cleaned_data.get("program"):
            proposals = proposals.filter(sub_activity__code__startswith=f"{program.code}.")
        if scheme := self.cleaned_data.get("scheme"):
            proposals = proposals.filter(funding_lines__scheme=scheme, funding_lines__amount__gt=0)
        return proposals.distinct()


class DecisionForm(forms.Form):
    """One decision on one proposal; the fields that do not apply to the chosen outcome are ignored."""

    outcome = forms.ChoiceField(label=_("Keputusan"), choices=Decision.Outcome.choices, widget=forms.RadioSelect)
    agreed_volume = VolumeField(label=_("Volume disepakati"), noun="volume disepakati", required=False)
    executing_agency = forms.ModelChoiceField(label=_("Pelaksana"), queryset=Agency.objects.none(), required=False)
    merged_into_number = forms.CharField(
        label=_("Digabung ke usulan (nomor)"),
        required=False,
        help_text=_("Nomor usulan tujuan pada tahun anggaran yang sama, mis. USL-2027-63.03-0001."),
    )
    reason = forms.CharField(
        label=_("Alasan / catatan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wajib untuk usulan yang ditangguhkan atau ditolak."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, *args, meeting: Meeting, proposal: Proposal, user, decision: Decision | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.meeting, self.proposal, self.user = meeting, proposal, user
        self.schemes = list(FundingScheme.objects.all())
        proposal_funding = {line.scheme_id: line.amount for line in proposal.funding_lines.all()}
        decided_funding = {line.scheme_id: line.amount for line in decision.funding_lines.all()} if decision else {}
        initial_funding = decided_funding if decision and decision.is_counted else proposal_funding
        for scheme in self.schemes:
            proposed = proposal_funding.get(scheme.pk)
            self.fields[self.amount_field(scheme)] = RupiahField(
                label=scheme.short_name,
                required=False,
                initial=initial_funding.get(scheme.pk),
                help_text=escape(gettext("Usulan: %(amount)s") % {"amount": format_rupiah(proposed)})
                if proposed is not None
                else "",
            )
        self.fields["executing_agency"].queryset = Agency.objects.for_user(user).filter(is_active=True)
        self.fields["version"].initial = proposal.version
        if decision is not None:
            self.fields["outcome"].initial = decision.outcome
            self.fields["agreed_volume"].initial = decision.agreed_volume or proposal.volume
            self.fields["executing_agency"].initial = decision.executing_agency_id
            self.fields["merged_into_number"].initial = decision.merged_into.number if decision.merged_into else ""
            self.fields["reason"].initial = decision.reason
        else:
            self.fields["outcome"].initial = Decision.Outcome.AGREED
            self.fields["agreed_volume"].initial = proposal.volume
            default_agency = default_executing_agency(
                meeting=meeting,
                proposal=proposal,
                funding={line.scheme: line.amount for line in proposal.funding_lines.all()},
            )
            self.fields["executing_agency"].initial = default_agency.pk
        # crispy-bootstrap5 prints help texts unescaped (`|safe`), and the unit is whatever the operator typed.
        self.fields["agreed_volume"].help_text = escape(
            gettext("Usulan: %(amount)s") % {"amount": f"{format_number(proposal.volume, trim=True)} {proposal.unit}"}
        )
        self.fields["merged_into_number"].widget.attrs["list"] = "merge-candidates"

        changed = Decision.Outcome.AGREED_WITH_CHANGES
        counted = " ".join(Decision.COUNTED_OUTCOMES)
        self.helper = FormHelper()
        self.helper.form_id = "decision-form"
        self.helper.layout = Layout(
            Field("outcome"),
            Div(
                HTML('<h2 class="h6 mt-2">Pagu disepakati per skema (Rp)</h2>'),
                Row(*[Column(self.amount_field(s), css_class="col-sm-6 col-md-3") for s in self.schemes]),
                Row(Column("agreed_volume", css_class="col-sm-6 col-md-3")),
                css_class="js-outcome",
                data_outcomes=changed,
            ),
            Div("executing_agency", css_class="js-outcome", data_outcomes=counted),
            Div("merged_into_number", css_class="js-outcome", data_outcomes=Decision.Outcome.MERGED),
            "reason",
            "version",
            # In a live meeting the secretary walks the agenda: Enter (the first button) saves and opens the next
            # item awaiting a decision; Alt+N / Alt+S (the access keys) press either button from anywhere.
            # The application's own texts in the reader's language, escaped by format_html (crispy renders the string
            # as a template, so a text never holds template syntax: these are constants).
            HTML(
                format_html(
                    '<div class="d-flex flex-wrap gap-2">'
                    '<button type="submit" name="berikutnya" value="1" class="btn btn-primary" accesskey="n" '
                    'title="{}">{}</button>'
                    '<button type="submit" name="simpan" value="1" class="btn btn-outline-primary" accesskey="s" '
                    'title="{}">{}</button></div>',
                    gettext("Simpan, lalu buka usulan berikutnya di agenda (Enter, Alt+N)"),
                    gettext("Simpan dan berikutnya"),
                    gettext("Simpan, lalu kembali ke agenda (Alt+S)"),
                    gettext("Simpan keputusan"),
                )
            ),
        )

    @staticmethod
    def amount_field(scheme: FundingScheme) -> str:
        return f"amount_{scheme.code}"

    def funding(self) -> dict[FundingScheme, Decimal]:
        """The amounts typed per scheme, zero and empty ones left out."""
        return {
            scheme: amount
            for scheme in self.schemes
            if (amount := self.cleaned_data.get(self.amount_field(scheme))) is not None and amount > 0
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if outcome in Decision.REASON_REQUIRED_OUTCOMES and not cleaned.get("reason", "").strip():
            self.add_error("reason", gettext("Alasan wajib diisi untuk usulan yang ditangguhkan atau ditolak."))
        if outcome == Decision.Outcome.MERGED:
            number = cleaned.get("merged_into_number", "").strip()
            if not number:
                self.add_error("merged_into_number", gettext("Isi nomor usulan tujuan penggabungan."))
            elif number == self.proposal.number:
                self.add_error("merged_into_number", gettext("Usulan tidak dapat digabung ke dirinya sendiri."))
            else:
                target = (
                    Proposal.objects.for_user(self.user)
                    .filter(number=number, fiscal_year=self.proposal.fiscal_year)
                    .select_related("region")
                    .first()
                )
                if target is None:
                    self.add_error(
                        "merged_into_number",
                        gettext("Usulan %(number)s tidak ditemukan untuk TA %(year)s di wilayah Anda.")
                        % {"number": number, "year": self.proposal.fiscal_year},
                    )
                cleaned["merged_into"] = target
        if outcome == Decision.Outcome.AGREED_WITH_CHANGES and not self.errors:
            proposed = {line.scheme: line.amount for line in self.proposal.funding_lines.all() if line.amount}
            volume = cleaned.get("agreed_volume") or self.proposal.volume
            funding = self.funding()
            if not funding:
                self.add_error(None, gettext("Isi pagu yang disepakati pada sedikitnya satu skema pendanaan."))
            elif funding == proposed and volume == self.proposal.volume:
                self.add_error(
                    "outcome",
                    gettext(
                        "Pagu dan volume sama dengan usulan: pilih “Disepakati”, atau ubah pagu per skema "
                        "atau volumenya."
                    ),
                )
        return cleaned
