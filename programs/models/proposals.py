"""Proposals (usulan) and their funding lines."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse

from agencies.models import Agency, Region, RegionScopedQuerySet
from programs.models.reference import (
    FundingLine,
    Nomenclature,
    fiscal_year_field,
    fiscal_year_in_range,
    funding_line_constraints,
    money_field,
)
from rakornis.subqueries import total_subquery


class ProposalQuerySet(RegionScopedQuerySet):
    region_field = "region__code"

    def for_year(self, year: int) -> ProposalQuerySet:
        return self.filter(fiscal_year=year)

    def agreed(self) -> ProposalQuerySet:
        return self.filter(status__in=Proposal.AGREED_STATUSES)

    def proposed(self) -> ProposalQuerySet:
        """Proposals whose own amounts make up "pagu usulan" of their year (see `Proposal.PROPOSED_STATUSES`)."""
        return self.filter(status__in=Proposal.PROPOSED_STATUSES)

    def with_total(self) -> ProposalQuerySet:
        return self.annotate(total_amount=Sum("funding_lines__amount", default=Decimal(0)))

    def with_funding_total(self) -> ProposalQuerySet:
        """`total_amount` as a correlated subquery, not a GROUP BY over a join.

        The database then computes it only for the rows it returns (a page of 50), and COUNT(*) drops it, so a
        list over 100,000 proposals stays fast. Sorting by the total still works.
        """
        return self.annotate(total_amount=total_subquery(ProposalFunding.objects.all(), "proposal"))

    def deferred(self) -> ProposalQuerySet:
        return self.filter(status=Proposal.Status.DEFERRED)


class Proposal(models.Model):
    """One proposed sub kegiatan from a kabupaten/kota or agency for one fiscal year (usulan)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draf"
        SUBMITTED = "submitted", "Diajukan"
        RETURNED = "returned", "Dikembalikan"
        VERIFIED = "verified", "Terverifikasi"
        AGREED = "agreed", "Disepakati"
        AGREED_WITH_CHANGES = "agreed_with_changes", "Disepakati dengan perubahan"
        MERGED = "merged", "Digabung"
        DEFERRED = "deferred", "Ditangguhkan"
        REJECTED = "rejected", "Ditolak"

    class Priority(models.IntegerChoices):
        HIGH = 1, "Tinggi"
        MEDIUM = 2, "Sedang"
        LOW = 3, "Rendah"

    class Origin(models.TextChoices):
        MUSRENBANG = "musrenbang", "Musrenbang Kab/Kota"
        POKIR = "pokir", "Pokir DPRD"
        RENJA = "renja", "Renja PD"
        FORUM_PD = "forum_pd", "Forum PD"
        OTHER = "lainnya", "Lainnya"

    AGREED_STATUSES = (Status.AGREED, Status.AGREED_WITH_CHANGES)
    # What "pagu usulan" of a fiscal year adds: proposals sent to the province and not turned down. Not drafts (not
    # proposed yet), nor rejected, nor merged (the work goes on in the proposal it was merged into), nor deferred
    # (its carried-over copy counts in the next year once submitted, so a carried-over proposal counts once).
    PROPOSED_STATUSES = (Status.SUBMITTED, Status.RETURNED, Status.VERIFIED, Status.AGREED, Status.AGREED_WITH_CHANGES)
    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)
    # The fields a person edits (form, import); the audit records these and the funding lines as old -> new.
    EDITABLE_FIELDS = (
        "fiscal_year",
        "region",
        "agency",
        "district",
        "village",
        "location",
        "latitude",
        "longitude",
        "sub_activity",
        "out_of_catalogue",
        "out_of_catalogue_reason",
        "name",
        "volume",
        "unit",
        "output_indicator",
        "priority",
        "origin",
        "forward_volume",
        "forward_amount",
        "notes",
    )

    number = models.CharField("nomor usulan", max_length=30, editable=False)
    fiscal_year = fiscal_year_field()
    region = models.ForeignKey(
        Region,
        verbose_name="kabupaten/kota",
        on_delete=models.PROTECT,
        related_name="proposals",
        limit_choices_to={"level": Region.Level.REGENCY},
    )
    district = models.ForeignKey(
        Region,
        verbose_name="kecamatan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    village = models.ForeignKey(
        Region,
        verbose_name="desa/kelurahan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    location = models.CharField("lokasi", max_length=300, blank=True, help_text="Ruas jalan, STA, dusun, patokan.")
    latitude = models.DecimalField("lintang", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("bujur", max_digits=9, decimal_places=6, null=True, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name="perangkat daerah pengusul", on_delete=models.PROTECT, related_name="proposals"
    )
    sub_activity = models.ForeignKey(
        Nomenclature,
        verbose_name="sub kegiatan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
        limit_choices_to={"level": Nomenclature.Level.SUB_ACTIVITY},
    )
    out_of_catalogue = models.BooleanField("di luar nomenklatur", default=False)
    out_of_catalogue_reason = models.TextField("alasan di luar nomenklatur", blank=True)
    name = models.CharField("nama usulan", max_length=500)
    volume = models.DecimalField("volume", max_digits=14, decimal_places=2)
    unit = models.CharField("satuan", max_length=30)
    output_indicator = models.CharField("indikator keluaran", max_length=500, blank=True)
    priority = models.PositiveSmallIntegerField("prioritas", choices=Priority.choices, default=Priority.MEDIUM)
    origin = models.CharField("sumber usulan", max_length=16, choices=Origin.choices, default=Origin.MUSRENBANG)
    status = models.CharField("status", max_length=24, choices=Status.choices, default=Status.DRAFT)
    forward_volume = models.DecimalField(
        "prakiraan maju volume", max_digits=14, decimal_places=2, null=True, blank=True
    )
    forward_amount = money_field("prakiraan maju pagu", null=True, blank=True)
    carried_over_from = models.ForeignKey(
        "self",
        verbose_name="lanjutan dari",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_over_to",
    )
    notes = models.TextField("keterangan", blank=True)
    version = models.PositiveIntegerField("versi", default=1, editable=False)
    # The one-time token of the form that created it: a second POST of the same form finds this proposal.
    creation_token = models.CharField(  # noqa: DJ001 (NULL, not "", so that many proposals can have none)
        "token formulir", max_length=64, null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="dibuat oleh",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("dibuat", auto_now_add=True)
    updated_at = models.DateTimeField("diubah", auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = "usulan"
        verbose_name_plural = "usulan"
        ordering = ["-fiscal_year", "number"]
        indexes = [
            models.Index(fields=["fiscal_year", "region", "status"], name="programs_proposal_year_region"),
            models.Index(fields=["status"], name="programs_proposal_status"),
            # The list's default order (newest year first, then number), so a page is read from the index.
            models.Index(fields=["-fiscal_year", "number"], name="programs_proposal_year_number"),
            # The overlap rule (programs.overlaps) looks proposals up by year, kabupaten/kota and sub kegiatan.
            models.Index(fields=["fiscal_year", "region", "sub_activity"], name="programs_proposal_overlap"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="programs_proposal_unique_number"),
            models.UniqueConstraint(fields=["creation_token"], name="programs_proposal_unique_creation_token"),
            models.CheckConstraint(condition=Q(volume__gt=0), name="programs_proposal_volume_positive"),
            models.CheckConstraint(
                condition=Q(forward_amount__isnull=True) | Q(forward_amount__gte=0),
                name="programs_proposal_forward_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(forward_volume__isnull=True) | Q(forward_volume__gte=0),
                name="programs_proposal_forward_volume_not_negative",
            ),
            fiscal_year_in_range(),
            models.CheckConstraint(
                condition=(Q(out_of_catalogue=False) & Q(sub_activity__isnull=False))
                | (Q(out_of_catalogue=True) & Q(sub_activity__isnull=True) & ~Q(out_of_catalogue_reason="")),
                name="programs_proposal_sub_activity_or_explained",
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=-11.5,
                    latitude__lte=6.5,
                    longitude__gte=94,
                    longitude__lte=141.5,
                ),
                name="programs_proposal_coordinates_in_indonesia",
            ),
            models.CheckConstraint(
                condition=~Q(carried_over_from=models.F("pk")), name="programs_proposal_not_carried_from_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("programs:proposal-detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in Proposal.EDITABLE_STATUSES

    @property
    def total_amount_value(self) -> Decimal:
        """Total over the funding lines; uses the `with_total()` annotation when present."""
        annotated = getattr(self, "total_amount", None)
        if annotated is not None:
            return annotated
        return sum((line.amount for line in self.funding_lines.all()), Decimal(0))

    @staticmethod
    def number_prefix(fiscal_year: int, region_code: str) -> str:
        return f"USL-{fiscal_year}-{region_code}-"

    @classmethod
    def format_number(cls, fiscal_year: int, region_code: str, sequence: int) -> str:
        return f"{cls.number_prefix(fiscal_year, region_code)}{sequence:04d}"


class ProposalFunding(FundingLine):
    """One (scheme, amount) line of a proposal; a proposal may draw on several schemes."""

    proposal = models.ForeignKey(
        Proposal, verbose_name="usulan", on_delete=models.CASCADE, related_name="funding_lines"
    )

    class Meta:
        verbose_name = "pendanaan usulan"
        verbose_name_plural = "pendanaan usulan"
        ordering = ["proposal", "scheme__order"]
        constraints = funding_line_constraints("proposal")
