from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, RegionScopedQuerySet
from programs.models import (
    MAX_FISCAL_YEAR,
    MIN_FISCAL_YEAR,
    FundingLine,
    Nomenclature,
    Proposal,
    cell_text_field,
    fiscal_year_field,
    fiscal_year_in_range,
    funding_line_constraints,
    money_field,
    text_fits_a_cell,
)

# A meeting is held within the years the application plans for (programs.models MIN..MAX_FISCAL_YEAR). The window is
# two UTC instants, so that the model's validator and the database's check agree to the second whatever TIME_ZONE
# is; the forms keep a narrower window around the planning year (meetings.forms). Without it, 0001-01-01 00:00 WITA
# was stored as an instant of year 0 in UTC, which psycopg cannot read back ("timestamp too small"): every page
# listing that meeting failed.
NIP_LENGTH = 18
MEETING_BASIS_MAX_LENGTH = 1000
MEETING_EARLIEST = datetime(MIN_FISCAL_YEAR, 1, 1, tzinfo=UTC)
MEETING_LATEST = datetime(MAX_FISCAL_YEAR + 1, 1, 1, tzinfo=UTC)  # exclusive


def validate_meeting_time(value: datetime) -> None:
    """A start or end inside MEETING_EARLIEST..MEETING_LATEST, as the check `meetings_meeting_dates_in_range`."""
    earliest, latest = MEETING_EARLIEST, MEETING_LATEST
    if value.tzinfo is None:  # USE_TZ off: compare wall times
        earliest, latest = earliest.replace(tzinfo=None), latest.replace(tzinfo=None)
    if not earliest <= value < latest:
        raise ValidationError(
            gettext("Tanggal rapat harus antara 1 Januari %(first)s dan 31 Desember %(last)s.")
            % {"first": MIN_FISCAL_YEAR, "last": MAX_FISCAL_YEAR},
            code="meeting_date_range",
        )


class MeetingQuerySet(models.QuerySet):
    def for_user(self, user: Any) -> Self:
        """A meeting belongs to its organiser's region; kabupaten/kota staff also see their province's meetings."""
        from rakornis import policy  # the policy reads these models: import it when asked, not at load time

        return policy.visible_with_province(self, user, "organiser__region__code")

    def open(self) -> MeetingQuerySet:
        return self.filter(closed_at__isnull=True)


class Meeting(models.Model):
    """A coordination meeting (Rakornis, Rakortek, Rakortekrenbang, Forum PD, Musrenbang)."""

    class Kind(models.TextChoices):
        RAKORNIS = "rakornis", _("Rakornis")
        RAKORTEK = "rakortek", _("Rakortek")
        RAKORTEKRENBANG = "rakortekrenbang", _("Rakortekrenbang")
        LOKAKARYA = "lokakarya", _("Lokakarya Pokja PKP")
        FORUM_PD = "forum_pd", _("Forum Perangkat Daerah")
        MUSRENBANG_KAB = "musrenbang_kab", _("Musrenbang Kabupaten/Kota")
        MUSRENBANG_PROV = "musrenbang_prov", _("Musrenbang Provinsi")
        OTHER = "lainnya", _("Lainnya")

    kind = models.CharField(_("jenis rapat"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("judul"), max_length=300)
    organiser = models.ForeignKey(
        Agency, verbose_name=_("penyelenggara"), on_delete=models.PROTECT, related_name="organised_meetings"
    )
    starts_at = models.DateTimeField(_("mulai"), validators=[validate_meeting_time])
    ends_at = models.DateTimeField(_("selesai"), validators=[validate_meeting_time])
    venue = models.CharField(_("tempat"), max_length=300)
    city = models.CharField(_("kota"), max_length=100, blank=True)
    fiscal_year = fiscal_year_field(_("tahun anggaran yang direncanakan"))
    purpose = cell_text_field(_("maksud dan tujuan"), blank=True)
    closed_at = models.DateTimeField(_("ditutup"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ditutup oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("rapat")
        verbose_name_plural = _("rapat")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meetings_meeting_ends_after_start"),
            models.CheckConstraint(
                condition=Q(
                    starts_at__gte=MEETING_EARLIEST,
                    starts_at__lt=MEETING_LATEST,
                    ends_at__gte=MEETING_EARLIEST,
                    ends_at__lt=MEETING_LATEST,
                ),
                name="meetings_meeting_dates_in_range",
            ),
            fiscal_year_in_range(),
            text_fits_a_cell("purpose"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting-detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def province_code(self) -> str | None:
        """The province whose proposals this meeting decides on: its organiser's province."""
        region = self.organiser.region
        return region.province_code if region is not None else None


class Desk(models.Model):
    """A desk of a meeting for one bidang urusan, as in Kalteng's Rakortekrenbang."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("rapat"), on_delete=models.CASCADE, related_name="desks")
    name = models.CharField(_("nama desk"), max_length=200)
    sector = models.ForeignKey(
        Nomenclature,
        verbose_name=_("bidang urusan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Nomenclature.Level.SECTOR},
    )

    class Meta:
        verbose_name = _("desk")
        verbose_name_plural = _("desk")
        ordering = ["meeting", "name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "name"], name="meetings_desk_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("meetings:desk-detail", args=[self.meeting_id, self.pk])


class DeskIndicatorAgreement(models.Model):
    """What a desk agreed: this sub kegiatan supports this outcome indicator (matching the Renstra and the Renja).

    Recorded by the meeting's secretariat (`meetings.services.desks`), frozen with the meeting when it closes."""

    desk = models.ForeignKey(Desk, verbose_name=_("desk"), on_delete=models.CASCADE, related_name="agreements")
    indicator = models.ForeignKey(
        "programs.Indicator", verbose_name=_("indikator"), on_delete=models.PROTECT, related_name="desk_agreements"
    )
    sub_activity = models.ForeignKey(
        Nomenclature,
        verbose_name=_("sub kegiatan"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Nomenclature.Level.SUB_ACTIVITY},
    )
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicatat oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    agreed_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("kesepakatan indikator desk")
        verbose_name_plural = _("kesepakatan indikator desk")
        ordering = ["desk", "indicator__code", "sub_activity__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["desk", "indicator", "sub_activity"], name="meetings_deskindicatoragreement_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.desk}: {self.indicator.code} \u2190 {self.sub_activity.code}"


class MeetingBasis(models.Model):
    """One of the bases a meeting considered ("dengan memperhatikan": RPJMD, the RKPD theme, Rakortekrenbang, RTRW),
    in the order the Berita Acara lists them under "Dasar"."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("rapat"), on_delete=models.CASCADE, related_name="bases")
    text = models.CharField(_("dasar"), max_length=MEETING_BASIS_MAX_LENGTH)
    order = models.PositiveIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("dasar rapat")
        verbose_name_plural = _("dasar rapat")
        ordering = ["meeting", "order", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="meetings_meetingbasis_text_not_empty")]

    def __str__(self) -> str:
        return self.text


def validate_nip(value: str) -> None:
    """A civil servant's NIP: 18 digits (birth date, appointment month, sex, sequence)."""
    if value and not (len(value) == NIP_LENGTH and value.isascii() and value.isdigit()):
        raise ValidationError(gettext("NIP terdiri atas 18 angka, mis. 19680512 199303 1 007."), code="nip")


class Attendance(models.Model):
    """One line of the attendance list (daftar hadir)."""

    class Capacity(models.TextChoices):
        CHAIR = "chair", _("Pimpinan rapat")
        SPEAKER = "speaker", _("Narasumber")
        PARTICIPANT = "participant", _("Peserta")
        SECRETARIAT = "secretariat", _("Sekretariat")
        GUEST = "guest", _("Undangan")

    meeting = models.ForeignKey(Meeting, verbose_name=_("rapat"), on_delete=models.CASCADE, related_name="attendances")
    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), null=True, blank=True, on_delete=models.SET_NULL, related_name="attendances"
    )
    name = models.CharField(_("nama"), max_length=200)
    position = models.CharField(_("jabatan"), max_length=200, blank=True)
    nip = models.CharField(
        _("NIP"),
        max_length=NIP_LENGTH,
        blank=True,
        validators=[validate_nip],
        help_text=_("18 angka; kosong bila non-ASN."),
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("instansi"), null=True, blank=True, on_delete=models.PROTECT, related_name="attendances"
    )
    capacity = models.CharField(_("kapasitas"), max_length=16, choices=Capacity.choices, default=Capacity.PARTICIPANT)
    represents = models.CharField(_("mewakili"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("daftar hadir")
        verbose_name_plural = _("daftar hadir")
        ordering = ["meeting", "order", "pk"]
        constraints = [
            # The length here, the digits in the validator: a REGEXP in a CHECK exists in SQLite only while Django's
            # connection supplies the function (the sqlite3 shell could then not write the table).
            models.CheckConstraint(
                condition=Q(nip="") | Q(Exact(Length("nip"), NIP_LENGTH)), name="meetings_attendance_nip_length"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def nip_display(self) -> str:
        """The NIP as printed under a signature: `19680512 199303 1 007` (birth date, appointment, sex, number)."""
        nip = self.nip
        return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}" if len(nip) == NIP_LENGTH else nip


class AgendaItemQuerySet(RegionScopedQuerySet):
    region_field = "proposal__region__code"

    def awaiting_decision(self) -> AgendaItemQuerySet:
        """Items whose proposal has no decision at this item's meeting yet."""
        return self.exclude(Exists(Decision.objects.filter(meeting=OuterRef("meeting"), proposal=OuterRef("proposal"))))


class AgendaItem(models.Model):
    """A verified proposal put on a meeting's agenda (by filter: kabupaten/kota, program, funding scheme).

    The agenda is explicit because a meeting discusses a chosen part of the province's proposals (roads at the
    PUPR Rakornis, housing at the Disperkim Rakortek), not every verified proposal of the year.
    """

    meeting = models.ForeignKey(Meeting, verbose_name=_("rapat"), on_delete=models.CASCADE, related_name="agenda_items")
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("usulan"), on_delete=models.PROTECT, related_name="agenda_items"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ditambahkan oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("ditambahkan"), auto_now_add=True)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("agenda rapat")
        verbose_name_plural = _("agenda rapat")
        ordering = ["meeting", "proposal__region__code", "proposal__number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "proposal"], name="meetings_agendaitem_one_per_proposal"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.proposal.number}"


class DecisionQuerySet(RegionScopedQuerySet):
    region_field = "proposal__region__code"

    def counted(self) -> DecisionQuerySet:
        """Decisions whose amounts count in the totals: agreed, with or without changes."""
        return self.filter(outcome__in=Decision.COUNTED_OUTCOMES)


class Decision(models.Model):
    """What a meeting decided on one proposal (kesepakatan)."""

    class Outcome(models.TextChoices):
        AGREED = "agreed", _("Disepakati")
        AGREED_WITH_CHANGES = "agreed_with_changes", _("Disepakati dengan perubahan")
        MERGED = "merged", _("Digabung")
        DEFERRED = "deferred", _("Ditangguhkan")
        REJECTED = "rejected", _("Ditolak")

    COUNTED_OUTCOMES = (Outcome.AGREED, Outcome.AGREED_WITH_CHANGES)
    REASON_REQUIRED_OUTCOMES = (Outcome.DEFERRED, Outcome.REJECTED)
    # The status a proposal takes when this decision is recorded (`programs.workflow.DECIDED_STATUSES`). Explicit:
    # the two enums sharing values is a coincidence that nothing may rely on.
    PROPOSAL_STATUS: dict[str, str] = {
        Outcome.AGREED: Proposal.Status.AGREED,
        Outcome.AGREED_WITH_CHANGES: Proposal.Status.AGREED_WITH_CHANGES,
        Outcome.MERGED: Proposal.Status.MERGED,
        Outcome.DEFERRED: Proposal.Status.DEFERRED,
        Outcome.REJECTED: Proposal.Status.REJECTED,
    }

    meeting = models.ForeignKey(Meeting, verbose_name=_("rapat"), on_delete=models.PROTECT, related_name="decisions")
    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    proposal = models.ForeignKey(Proposal, verbose_name=_("usulan"), on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("keputusan"), max_length=24, choices=Outcome.choices)
    agreed_volume = models.DecimalField(_("volume disepakati"), max_digits=14, decimal_places=2, null=True, blank=True)
    executing_agency = models.ForeignKey(
        Agency,
        verbose_name=_("pelaksana"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="executed_decisions",
    )
    merged_into = models.ForeignKey(
        Proposal, verbose_name=_("digabung ke"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = cell_text_field(_("alasan/catatan"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicatat oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("kesepakatan")
        verbose_name_plural = _("kesepakatan")
        ordering = ["meeting", "proposal__number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "proposal"], name="meetings_decision_one_per_proposal"),
            models.CheckConstraint(
                condition=~Q(outcome__in=["deferred", "rejected"]) | ~Q(reason=""),
                name="meetings_decision_reason_when_deferred_or_rejected",
            ),
            models.CheckConstraint(
                condition=(Q(outcome="merged") & Q(merged_into__isnull=False))
                | (~Q(outcome="merged") & Q(merged_into__isnull=True)),
                name="meetings_decision_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("proposal")), name="meetings_decision_not_merged_into_itself"
            ),
            models.CheckConstraint(
                condition=Q(agreed_volume__isnull=True) | Q(agreed_volume__gt=0),
                name="meetings_decision_agreed_volume_positive",
            ),
            text_fits_a_cell("reason"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal.number}: {self.get_outcome_display()}"

    @property
    def is_counted(self) -> bool:
        return self.outcome in Decision.COUNTED_OUTCOMES

    @property
    def proposal_status(self) -> str:
        return Decision.PROPOSAL_STATUS[self.outcome]


class DecisionFunding(FundingLine):
    """The agreed amount for one funding scheme of a decision."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("kesepakatan"), on_delete=models.CASCADE, related_name="funding_lines"
    )
    amount = money_field(_("pagu disepakati (Rp)"))

    class Meta:
        verbose_name = _("pendanaan disepakati")
        verbose_name_plural = _("pendanaan disepakati")
        ordering = ["decision", "scheme__order"]
        constraints = funding_line_constraints("decision")


class MeetingDecisionSummaryQuerySet(RegionScopedQuerySet):
    region_field = "region__code"

    def totals(self) -> MeetingDecisionSummaryQuerySet:
        """The rows over all schemes: each decision counted once, whatever its funding lines."""
        return self.filter(scheme__isnull=True)

    def per_scheme(self) -> MeetingDecisionSummaryQuerySet:
        return self.filter(scheme__isnull=False)


class MeetingDecisionSummary(models.Model):
    """What one meeting's decisions hold per kabupaten/kota (the proposal's region) x outcome x desk x origin of the
    proposal, per funding scheme, so that the meeting page and the Berita Acara read a few hundred rows instead of
    every decision (324,914 at the bench's Rakornis).

    Derived data, written only by `meetings.summary` in the same transaction as every write of decisions, checked
    against a recomputation by `manage.py summary_check`.

    - the row with no scheme: `decision_count` decisions and `amount` the total of their funding lines;
    - a row per scheme: `decision_count` funding lines of that scheme and `amount` their total.

    Amounts are every line's, whatever the outcome: the readers add only the outcomes that count
    (`Decision.COUNTED_OUTCOMES`), as the pages always did.
    """

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("rapat"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    region = models.ForeignKey(
        "agencies.Region", verbose_name=_("kabupaten/kota"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    outcome = models.CharField(_("keputusan"), max_length=24, choices=Decision.Outcome.choices)
    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    origin = models.CharField(_("sumber usulan"), max_length=16, choices=Proposal.Origin.choices)
    scheme = models.ForeignKey(
        "programs.FundingScheme",
        verbose_name=_("skema"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    decision_count = models.IntegerField(_("jumlah"), default=0)
    # Sums of many 18-digit amounts: room for 10 digits more than one amount (money_field) has, as ProposalSummary.
    amount = models.DecimalField(_("pagu disepakati"), max_digits=28, decimal_places=0, default=0)

    objects = MeetingDecisionSummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ringkasan kesepakatan rapat")
        verbose_name_plural = _("ringkasan kesepakatan rapat")
        # One row per key: four partial unique indexes, as a NULL desk or scheme never conflicts in a plain one
        # (the upserts of `meetings.summary` name the one they hit). Each leads with the meeting, the readers' filter.
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "region", "outcome", "desk", "origin", "scheme"],
                condition=Q(desk__isnull=False, scheme__isnull=False),
                name="meetings_decisionsummary_desk_scheme",
            ),
            models.UniqueConstraint(
                fields=["meeting", "region", "outcome", "desk", "origin"],
                condition=Q(desk__isnull=False, scheme__isnull=True),
                name="meetings_decisionsummary_desk_total",
            ),
            models.UniqueConstraint(
                fields=["meeting", "region", "outcome", "origin", "scheme"],
                condition=Q(desk__isnull=True, scheme__isnull=False),
                name="meetings_decisionsummary_scheme",
            ),
            models.UniqueConstraint(
                fields=["meeting", "region", "outcome", "origin"],
                condition=Q(desk__isnull=True, scheme__isnull=True),
                name="meetings_decisionsummary_total",
            ),
        ]

    def __str__(self) -> str:
        scheme = self.scheme_id or "semua skema"
        return f"{self.meeting_id} {self.region_id} {self.outcome} desk {self.desk_id or '-'} {self.origin} {scheme}"
