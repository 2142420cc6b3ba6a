from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, OuterRef, Q, StringAgg, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Length, Lower
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Region, RegionScopedQuerySet
from rakornis.formatting import format_rupiah

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MIN_FISCAL_YEAR = 2000
MAX_FISCAL_YEAR = 2100

# U.BB.PP.A.KK.SSSS, from urusan down to sub kegiatan.
NOMENCLATURE_CODE_RE = re.compile(r"^\d(\.\d{2}(\.\d{2}(\.[12]\.\d{2}(\.\d{4})?)?)?)?$")
# A typed start of a code (`1.03`, `1.03.10.2.01.00`): what the nomenclature search reads as a code, not a name.
NOMENCLATURE_PREFIX_RE = re.compile(r"^\d+(\.\d*)*$")


MAX_AMOUNT = Decimal(10**18 - 1)  # Rp 999.999.999.999.999.999: 18 digits, what a money_field holds
# The most characters one spreadsheet cell holds (Excel): a longer text would be cut in an export and not come back
# the same. Every TextField that an export writes is a `cell_text_field`, checked by `text_fits_a_cell`.
CELL_TEXT_MAX = 32_767


def validate_amount(value: Decimal | None) -> None:
    """At most MAX_AMOUNT, said in rupiah (Django's own message counts digits)."""
    if value is not None and value > MAX_AMOUNT:
        raise ValidationError(
            gettext("Pagu paling banyak Rp 999.999.999.999.999.999 (18 angka)."), code="amount_too_big"
        )


def money_field(verbose_name: StrOrPromise, **kwargs) -> models.DecimalField:
    """Whole rupiah: up to Rp 999.999.999.999.999.999 (18 digits), no fraction. Each model with one adds a check
    `amount <= MAX_AMOUNT` (`funding_line_constraints`), so that SQLite, which has no numeric precision, agrees."""
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=0, validators=[validate_amount], **kwargs)


def cell_text_field(verbose_name: StrOrPromise, **kwargs) -> models.TextField:
    """Free text that fits one spreadsheet cell (CELL_TEXT_MAX characters): the form's text box stops there too."""
    return models.TextField(
        verbose_name, max_length=CELL_TEXT_MAX, validators=[MaxLengthValidator(CELL_TEXT_MAX)], **kwargs
    )


def clip_to_cell(text: str) -> str:
    """`text` cut to CELL_TEXT_MAX characters, ending in an ellipsis when cut: for texts the application joins
    (a Renja line's locations, from every proposal it came from)."""
    return text if len(text) <= CELL_TEXT_MAX else text[: CELL_TEXT_MAX - 1] + "\u2026"


def text_fits_a_cell(*fields: str) -> models.CheckConstraint:
    """The database's check of a model's `cell_text_field`s: `<app>_<model>_text_fits_a_cell`."""
    condition = Q()
    for field in fields:
        condition &= Q(LessThanOrEqual(Length(field), CELL_TEXT_MAX))
    return models.CheckConstraint(condition=condition, name="%(app_label)s_%(class)s_text_fits_a_cell")


def amount_at_most_max(field: str = "amount") -> models.CheckConstraint:
    """The database's check of a money field's upper bound: `<app>_<model>_<field>_at_most_max`."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lte": MAX_AMOUNT}),
        name=f"%(app_label)s_%(class)s_{field}_at_most_max",
    )


FISCAL_YEAR_LABEL = _("tahun anggaran")


def fiscal_year_field(verbose_name: StrOrPromise = FISCAL_YEAR_LABEL) -> models.PositiveSmallIntegerField:
    """A fiscal year (TA) from MIN_FISCAL_YEAR to MAX_FISCAL_YEAR; its model adds `fiscal_year_in_range()`."""
    return models.PositiveSmallIntegerField(
        verbose_name, validators=[MinValueValidator(MIN_FISCAL_YEAR), MaxValueValidator(MAX_FISCAL_YEAR)]
    )


def fiscal_year_in_range(field: str = "fiscal_year") -> models.CheckConstraint:
    """The database's check of a `fiscal_year_field` named `field`: `<app>_<model>_<field>_range`."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": MIN_FISCAL_YEAR, f"{field}__lte": MAX_FISCAL_YEAR}),
        name=f"%(app_label)s_%(class)s_{field}_range",
    )


class NomenclatureDecree(models.Model):
    """The decree whose annex a complete nomenclature list was loaded from (Kepmendagri 900.1.15.5-1317/2023)."""

    number = models.CharField(_("nomor keputusan"), max_length=120)
    date = models.DateField(_("tanggal keputusan"))
    source_file = models.CharField(_("berkas"), max_length=255, blank=True)
    row_count = models.PositiveIntegerField(_("jumlah kode"), default=0)
    retired_count = models.PositiveIntegerField(_("kode dicabut"), default=0)
    loaded_at = models.DateTimeField(_("dimuat"), auto_now=True)

    class Meta:
        verbose_name = _("keputusan nomenklatur")
        verbose_name_plural = _("keputusan nomenklatur")
        ordering = ["-date", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="programs_nomenclaturedecree_unique_number"),
            models.CheckConstraint(condition=~Q(number=""), name="programs_nomenclaturedecree_number_not_empty"),
        ]

    def __str__(self) -> str:
        return self.number


class NomenclatureQuerySet(models.QuerySet):
    def sub_activities(self) -> NomenclatureQuerySet:
        return self.filter(level=Nomenclature.Level.SUB_ACTIVITY)

    def active(self) -> NomenclatureQuerySet:
        return self.filter(is_active=True)

    def search(self, query: str) -> NomenclatureQuerySet:
        """Codes that start with each code-like word of `query` (`1.03.10`) and names (provincial or kabupaten/kota)
        that contain each other word, case-insensitively: "jalan rehab" finds "Rehabilitasi Jalan"."""
        result = self
        for word in query.split():
            if NOMENCLATURE_PREFIX_RE.match(word):
                result = result.filter(code__startswith=word)
            else:
                result = result.filter(Q(name__icontains=word) | Q(regency_name__icontains=word))
        return result


class Nomenclature(models.Model):
    """One node of the code tree urusan > bidang urusan > program > kegiatan > sub kegiatan."""

    class Level(models.TextChoices):
        AFFAIR = "urusan", _("Urusan")
        SECTOR = "bidang_urusan", _("Bidang urusan")
        PROGRAM = "program", _("Program")
        ACTIVITY = "kegiatan", _("Kegiatan")
        SUB_ACTIVITY = "sub_kegiatan", _("Sub kegiatan")

    class GovernmentLevel(models.TextChoices):
        """Digit A of U.BB.PP.A.KK.SSSS: who carries the kegiatan out."""

        PROVINCE = "1", _("Provinsi")
        REGENCY = "2", _("Kabupaten/Kota")

    # Depth of each level in the code, counted in dot-separated parts.
    LEVEL_PARTS = {
        Level.AFFAIR: 1,
        Level.SECTOR: 2,
        Level.PROGRAM: 3,
        Level.ACTIVITY: 5,
        Level.SUB_ACTIVITY: 6,
    }

    code = models.CharField(_("kode"), max_length=20)
    level = models.CharField(_("tingkat"), max_length=16, choices=Level.choices)
    name = models.CharField(_("nomenklatur"), max_length=500)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    government_level = models.CharField(
        _("pelaksana"),
        max_length=1,
        choices=GovernmentLevel.choices,
        blank=True,
        help_text=_("Kosong untuk urusan, bidang urusan dan program (berlaku untuk semua tingkat pemerintahan)."),
    )
    performance = cell_text_field(_("kinerja"), blank=True)
    indicator = cell_text_field(_("indikator"), blank=True)
    unit = models.CharField(_("satuan"), max_length=60, blank=True)
    source_note = models.CharField(_("catatan sumber"), max_length=200, blank=True)
    # The kabupaten/kota tree sometimes names a shared code (urusan, bidang, program) differently from the provincial
    # one: `name` is the provincial name (or the only one), `regency_name` the kabupaten/kota name where it differs.
    regency_name = models.CharField(_("nomenklatur kabupaten/kota"), max_length=500, blank=True)
    is_active = models.BooleanField(_("berlaku"), default=True)
    decree = models.ForeignKey(
        NomenclatureDecree,
        verbose_name=_("menurut keputusan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="codes",
        help_text=_("Keputusan terakhir yang memuat kode ini; kosong untuk daftar parsial bawaan aplikasi."),
    )
    retired_by = models.ForeignKey(
        NomenclatureDecree,
        verbose_name=_("dicabut oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retired_codes",
        help_text=_("Keputusan yang tidak lagi memuat kode ini; usulan lama tetap memakainya."),
    )

    objects = NomenclatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("nomenklatur")
        verbose_name_plural = _("nomenklatur")
        ordering = ["code"]
        indexes = [
            # The autocomplete: active codes of one level in code order (a code prefix and the name trigrams are
            # PostgreSQL indexes of migration 0012).
            models.Index(fields=["level", "is_active", "code"], name="programs_nomenclature_offered"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="programs_nomenclature_unique_code"),
            models.CheckConstraint(
                condition=Q(retired_by__isnull=True) | Q(is_active=False),
                name="programs_nomenclature_retired_is_inactive",
            ),
            models.CheckConstraint(
                condition=Q(level__in=["urusan", "bidang_urusan", "program"], government_level="")
                | Q(level__in=["kegiatan", "sub_kegiatan"], government_level__in=["1", "2"]),
                name="programs_nomenclature_government_level_matches_level",
            ),
            text_fits_a_cell("performance", "indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def name_for(self, government_level: str) -> str:
        """The name in the provincial (`"1"`) or kabupaten/kota (`"2"`) tree."""
        if government_level == self.GovernmentLevel.REGENCY and self.regency_name:
            return self.regency_name
        return self.name

    @classmethod
    def level_for_code(cls, code: str) -> str | None:
        """The level a well-formed code has, or None for a malformed code."""
        if not NOMENCLATURE_CODE_RE.match(code):
            return None
        parts = len(code.split("."))
        for level, depth in cls.LEVEL_PARTS.items():
            if depth == parts:
                return level
        return None

    @staticmethod
    def parent_code(code: str) -> str | None:
        parts = code.split(".")
        if len(parts) == 1:
            return None
        if len(parts) == 5:  # kegiatan hangs under its program; the government digit is not a level
            return ".".join(parts[:3])
        return ".".join(parts[:-1])

    @staticmethod
    def government_level_for_code(code: str) -> str:
        parts = code.split(".")
        return parts[3] if len(parts) >= 5 else ""


class NomenclatureMapping(models.Model):
    """Where a decree says an old code continues as a new one (1.03.10.2.01.09 -> 1.03.10.2.01.0055). Proposals
    keep their code; the form and the importer suggest the new one."""

    old = models.ForeignKey(
        Nomenclature, verbose_name=_("kode lama"), on_delete=models.CASCADE, related_name="successor_links"
    )
    new = models.ForeignKey(
        Nomenclature, verbose_name=_("kode baru"), on_delete=models.CASCADE, related_name="predecessor_links"
    )
    decree = models.ForeignKey(
        NomenclatureDecree, verbose_name=_("menurut keputusan"), on_delete=models.CASCADE, related_name="mappings"
    )

    class Meta:
        verbose_name = _("pemetaan kode nomenklatur")
        verbose_name_plural = _("pemetaan kode nomenklatur")
        ordering = ["old__code", "new__code"]
        constraints = [
            models.UniqueConstraint(fields=["old", "new"], name="programs_nomenclaturemapping_once"),
            models.CheckConstraint(condition=~Q(old=models.F("new")), name="programs_nomenclaturemapping_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.old.code} \u2192 {self.new.code}"


class FundingScheme(models.Model):
    """A source of money a proposal can draw on (APBD Provinsi, BKP, DAK Fisik, ...)."""

    class Budget(models.TextChoices):
        APBD = "APBD", _("APBD")
        TRANSFER = "APBD (transfer)", _("APBD (transfer)")
        APBN = "APBN", _("APBN")
        OTHER = "lainnya", _("Lainnya")

    code = models.CharField(_("kode"), max_length=20)
    name = models.CharField(_("nama"), max_length=120)
    short_name = models.CharField(_("singkatan"), max_length=40)
    budget = models.CharField(_("anggaran"), max_length=20, choices=Budget.choices)
    description = cell_text_field(_("keterangan"), blank=True)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("skema pendanaan")
        verbose_name_plural = _("skema pendanaan")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="programs_fundingscheme_unique_code"),
            text_fits_a_cell("description"),
        ]

    def __str__(self) -> str:
        return self.name


def funding_line_constraints(parent: str) -> list[models.BaseConstraint]:
    """One line per scheme of each `parent`, never a negative amount: `<app>_<model>_one_per_scheme` and
    `<app>_<model>_amount_not_negative`."""
    return [
        models.UniqueConstraint(fields=[parent, "scheme"], name="%(app_label)s_%(class)s_one_per_scheme"),
        models.CheckConstraint(condition=Q(amount__gte=0), name="%(app_label)s_%(class)s_amount_not_negative"),
        amount_at_most_max(),
    ]


class FundingLine(models.Model):
    """One (scheme, amount) line of what a proposal asks (ProposalFunding), a meeting agrees
    (meetings.DecisionFunding) or a Renja row holds (WorkPlanItemFunding). A line adds the foreign key to what it
    funds, and `funding_line_constraints(<that key>)`."""

    scheme = models.ForeignKey(FundingScheme, verbose_name=_("skema"), on_delete=models.PROTECT, related_name="+")
    amount = money_field(_("pagu (Rp)"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.scheme.short_name}: {format_rupiah(self.amount)}"


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
        """Kept for callers written when the total was computed: `total_amount` is now a stored column."""
        return self

    def with_scheme_ids(self) -> ProposalQuerySet:
        """`scheme_ids`: the ids of the schemes a proposal draws on, comma-separated in no particular order ("3,1"),
        as a subquery per row, so a page of proposals names its schemes without reading their funding lines."""
        ids = (
            ProposalFunding.objects.filter(proposal=OuterRef("pk"))
            .order_by()
            .values("proposal")
            .annotate(ids=StringAgg(Cast("scheme_id", models.CharField()), Value(",")))
            .values("ids")
        )
        return self.annotate(scheme_ids=Subquery(ids))

    def deferred(self) -> ProposalQuerySet:
        return self.filter(status=Proposal.Status.DEFERRED)


class Proposal(models.Model):
    """One proposed sub kegiatan from a kabupaten/kota or agency for one fiscal year (usulan)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draf")
        SUBMITTED = "submitted", _("Diajukan")
        RETURNED = "returned", _("Dikembalikan")
        VERIFIED = "verified", _("Terverifikasi")
        AGREED = "agreed", _("Disepakati")
        AGREED_WITH_CHANGES = "agreed_with_changes", _("Disepakati dengan perubahan")
        MERGED = "merged", _("Digabung")
        DEFERRED = "deferred", _("Ditangguhkan")
        REJECTED = "rejected", _("Ditolak")

    class Priority(models.IntegerChoices):
        HIGH = 1, _("Tinggi")
        MEDIUM = 2, _("Sedang")
        LOW = 3, _("Rendah")

    class Origin(models.TextChoices):
        MUSRENBANG = "musrenbang", _("Musrenbang Kab/Kota")
        POKIR = "pokir", _("Pokir DPRD")
        RENJA = "renja", _("Renja PD")
        FORUM_PD = "forum_pd", _("Forum PD")
        OTHER = "lainnya", _("Lainnya")

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
        "declared_documents",
    )

    number = models.CharField(_("nomor usulan"), max_length=30, editable=False)
    fiscal_year = fiscal_year_field()
    region = models.ForeignKey(
        Region,
        verbose_name=_("kabupaten/kota"),
        on_delete=models.PROTECT,
        related_name="proposals",
        limit_choices_to={"level": Region.Level.REGENCY},
    )
    district = models.ForeignKey(
        Region,
        verbose_name=_("kecamatan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    village = models.ForeignKey(
        Region,
        verbose_name=_("desa/kelurahan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    location = models.CharField(
        _("lokasi"), max_length=300, blank=True, help_text=_("Ruas jalan, STA, dusun, patokan.")
    )
    latitude = models.DecimalField(_("lintang"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("bujur"), max_digits=9, decimal_places=6, null=True, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("perangkat daerah pengusul"), on_delete=models.PROTECT, related_name="proposals"
    )
    sub_activity = models.ForeignKey(
        Nomenclature,
        verbose_name=_("sub kegiatan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
        limit_choices_to={"level": Nomenclature.Level.SUB_ACTIVITY},
    )
    out_of_catalogue = models.BooleanField(_("di luar nomenklatur"), default=False)
    out_of_catalogue_reason = cell_text_field(_("alasan di luar nomenklatur"), blank=True)
    name = models.CharField(_("nama usulan"), max_length=500)
    volume = models.DecimalField(_("volume"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("satuan"), max_length=30)
    output_indicator = models.CharField(_("indikator keluaran"), max_length=500, blank=True)
    priority = models.PositiveSmallIntegerField(_("prioritas"), choices=Priority.choices, default=Priority.MEDIUM)
    origin = models.CharField(_("sumber usulan"), max_length=16, choices=Origin.choices, default=Origin.MUSRENBANG)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.DRAFT)
    forward_volume = models.DecimalField(
        _("prakiraan maju volume"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    forward_amount = money_field(_("prakiraan maju pagu"), null=True, blank=True)
    carried_over_from = models.ForeignKey(
        "self",
        verbose_name=_("lanjutan dari"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_over_to",
    )
    notes = cell_text_field(_("keterangan"), blank=True)
    # The supporting documents the proposer says exist (the workbook's `Data Dukung Tersedia`, or the form): the
    # codes of ProposalDocument.Kind, in its order (`document_kinds`). A statement, not a file: the verifier still
    # ticks the readiness criteria, and the pages show which of these have no uploaded document yet.
    declared_documents = models.JSONField(_("data dukung dinyatakan ada"), default=list, blank=True)
    # The sum of the funding lines, written by the services in the same transaction as the lines (never by a form),
    # so that the list sorts by it from an index instead of summing every proposal's lines.
    total_amount = models.DecimalField(_("total pagu"), max_digits=20, decimal_places=0, default=0, editable=False)
    version = models.PositiveIntegerField(_("versi"), default=1, editable=False)
    # The one-time token of the form that created it: a second POST of the same form finds this proposal.
    creation_token = models.CharField(  # noqa: DJ001 (NULL, not "", so that many proposals can have none)
        _("token formulir"), max_length=64, null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("usulan")
        verbose_name_plural = _("usulan")
        ordering = ["-fiscal_year", "number"]
        indexes = [
            models.Index(fields=["fiscal_year", "region", "status"], name="programs_proposal_year_region"),
            # The list's default order (newest year first, then number), so a page is read from the index; each
            # filter of the list (programs.filters) has an index that leads with it and goes on in that order, so a
            # filtered page is read in order too (tests/programs/test_list_indexes.py checks them with EXPLAIN).
            models.Index(fields=["-fiscal_year", "number"], name="programs_proposal_year_number"),
            models.Index(fields=["status", "-fiscal_year", "number"], name="programs_proposal_status"),
            models.Index(fields=["region", "-fiscal_year", "number"], name="programs_proposal_region"),
            models.Index(fields=["agency", "-fiscal_year", "number"], name="programs_proposal_agency"),
            models.Index(fields=["priority", "-fiscal_year", "number"], name="programs_proposal_priority"),
            models.Index(fields=["origin", "-fiscal_year", "number"], name="programs_proposal_origin"),
            models.Index(fields=["fiscal_year", "total_amount", "number"], name="programs_proposal_year_total"),
            models.Index(fields=["total_amount", "number"], name="programs_proposal_total"),
            # The overlap rule (programs.overlaps) looks proposals up by year, kabupaten/kota, sub kegiatan and the
            # same name or location ignoring case: one probe of each index per listed row, however many proposals
            # share the sub kegiatan (the EXISTS of a list page read 2,500 rows per row without the last column).
            models.Index(
                F("fiscal_year"), F("region"), F("sub_activity"), Lower("name"), name="programs_proposal_overlap"
            ),
            models.Index(
                F("fiscal_year"),
                F("region"),
                F("sub_activity"),
                Lower("location"),
                name="programs_proposal_overlap_loc",
            ),
            # The summary's refresh (programs.summary) re-adds one fiscal year x kabupaten/kota x agency at a time.
            models.Index(fields=["fiscal_year", "region", "agency"], name="programs_proposal_summary_key"),
            # The home page's work queues: the year's latest changes, in one status or all (rakornis.views.home).
            models.Index(fields=["fiscal_year", "status", "-updated_at"], name="programs_proposal_queue"),
            models.Index(fields=["fiscal_year", "-updated_at"], name="programs_proposal_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="programs_proposal_unique_number"),
            models.UniqueConstraint(fields=["creation_token"], name="programs_proposal_unique_creation_token"),
            models.CheckConstraint(condition=Q(volume__gt=0), name="programs_proposal_volume_positive"),
            models.CheckConstraint(
                condition=Q(forward_amount__isnull=True) | Q(forward_amount__gte=0),
                name="programs_proposal_forward_amount_not_negative",
            ),
            amount_at_most_max("forward_amount"),
            text_fits_a_cell("out_of_catalogue_reason", "notes"),
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
        return self.title(self.number, self.name)

    def get_absolute_url(self) -> str:
        return reverse("programs:proposal-detail", args=[self.pk])

    @classmethod
    def as_table_rows(cls, rows: Iterable[Proposal]) -> list[Proposal]:
        """`rows` for a table of proposals (the list, the home page's tables), each with `url` (its address) and
        `status_label` (its status translated): one reverse() and the statuses translated once per table, instead of
        a reverse() (40 µs) and a `get_status_display` (which builds the choices again) per row."""
        rows = list(rows)
        if rows:
            labels = {value: str(label) for value, label in cls.Status.choices}
            # The detail address is `<int:pk>/`: made once, with each row's id put in.
            head, tail = cls(pk=0).get_absolute_url().rsplit("/0/", 1)
            for row in rows:
                table_row: Any = row  # two attributes for the template, beside the model's own
                table_row.url = f"{head}/{row.pk}/{tail}"
                table_row.status_label = labels.get(row.status, row.status)
        return rows

    @staticmethod
    def title(number: str, name: str) -> str:
        """How a proposal is named (its str), also for rows written without an instance (audit entries)."""
        return f"{number} {name}"

    @property
    def is_editable(self) -> bool:
        return self.status in Proposal.EDITABLE_STATUSES

    @property
    def total_amount_value(self) -> Decimal:
        """The stored total of the funding lines (`total_amount`)."""
        return self.total_amount

    @staticmethod
    def number_prefix(fiscal_year: int, region_code: str) -> str:
        return f"USL-{fiscal_year}-{region_code}-"

    @classmethod
    def format_number(cls, fiscal_year: int, region_code: str, sequence: int) -> str:
        return f"{cls.number_prefix(fiscal_year, region_code)}{sequence:04d}"


class ProposalNumberCounter(models.Model):
    """The last sequence given in one fiscal year x kabupaten/kota: the 42 of USL-2027-63.03-0042.

    Numbers are taken by incrementing this row (`programs.services.proposals`), which locks it until the transaction
    ends, so two operators saving at once get consecutive numbers and nobody scans the proposals for the highest.
    """

    fiscal_year = fiscal_year_field()
    region = models.ForeignKey(
        Region, verbose_name=_("kabupaten/kota"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    last_number = models.PositiveIntegerField(_("nomor terakhir"), default=0)

    class Meta:
        verbose_name = _("penghitung nomor usulan")
        verbose_name_plural = _("penghitung nomor usulan")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "region"], name="programs_proposalnumbercounter_one"),
        ]

    def __str__(self) -> str:
        return f"TA {self.fiscal_year} {self.region_id}: {self.last_number}"


class ProposalFunding(FundingLine):
    """One (scheme, amount) line of a proposal; a proposal may draw on several schemes."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("usulan"), on_delete=models.CASCADE, related_name="funding_lines"
    )

    class Meta:
        verbose_name = _("pendanaan usulan")
        verbose_name_plural = _("pendanaan usulan")
        ordering = ["proposal", "scheme__order"]
        constraints = funding_line_constraints("proposal")


class ProposalSummaryQuerySet(RegionScopedQuerySet):
    region_field = "region__code"

    def for_year(self, year: int) -> ProposalSummaryQuerySet:
        return self.filter(fiscal_year=year)

    def totals(self) -> ProposalSummaryQuerySet:
        """The rows over all schemes: proposals counted once each, whatever their funding lines."""
        return self.filter(scheme__isnull=True)

    def per_scheme(self) -> ProposalSummaryQuerySet:
        return self.filter(scheme__isnull=False)

    def by_region(self) -> models.QuerySet[Any]:
        """What the dashboard and the recap read, grouped, by kabupaten/kota code: a row per kabupaten/kota x status
        over all schemes (scheme None) and one per kabupaten/kota x scheme over all statuses (status ""), a few
        hundred rather than one per kabupaten/kota x status x scheme, with the kabupaten/kota's code and name (no
        query of their own). Each: (region id, code, name, status, scheme id, proposals, proposals of the statuses
        "pagu usulan" counts, their proposed amount, agreed count, agreed amount)."""
        counted = Q(status__in=Proposal.PROPOSED_STATUSES)
        return (
            self.order_by("region__code")
            .annotate(total_status=Case(When(scheme__isnull=True, then=F("status")), default=Value("")))
            .values_list("region_id", "region__code", "region__name", "total_status", "scheme_id")
            .annotate(
                n=Sum("proposal_count"),
                n_counted=Sum("proposal_count", filter=counted),
                proposed=Sum("proposed_amount", filter=counted),
                n_agreed=Sum("agreed_count"),
                agreed=Sum("agreed_amount"),
            )
        )


class ProposalSummary(models.Model):
    """What the proposals of one fiscal year x kabupaten/kota x proposing agency x status hold, per funding scheme,
    so that the home page, the recap and the list's totals read a few hundred rows instead of every proposal.

    Derived data, written only by `programs.summary` in the same transaction as every proposal write (the services
    call `summary_refresh`), checked against a recomputation by `manage.py summary_check`.

    - the row with no scheme: `proposal_count` proposals, `proposed_amount` the total of their funding lines,
      `agreed_count` of them with a counted deciding decision (`meetings.selectors.agreed_decisions`) and
      `agreed_amount` what those decisions agreed;
    - a row per scheme: `proposal_count` proposals with a funding line of that scheme and `proposed_amount` their
      lines of it, `agreed_count` deciding decisions agreeing an amount of that scheme and `agreed_amount` it.
    """

    fiscal_year = fiscal_year_field()
    region = models.ForeignKey(
        Region, verbose_name=_("kabupaten/kota"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("perangkat daerah pengusul"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(_("status"), max_length=24, choices=Proposal.Status.choices)
    scheme = models.ForeignKey(
        FundingScheme,
        verbose_name=_("skema"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    proposal_count = models.IntegerField(_("jumlah usulan"), default=0)
    # Sums of many 18-digit amounts: room for 10 digits more than one amount (money_field) has.
    proposed_amount = models.DecimalField(_("pagu usulan"), max_digits=28, decimal_places=0, default=0)
    agreed_count = models.IntegerField(_("jumlah disepakati"), default=0)
    agreed_amount = models.DecimalField(_("pagu disepakati"), max_digits=28, decimal_places=0, default=0)

    objects = ProposalSummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ringkasan usulan")
        verbose_name_plural = _("ringkasan usulan")
        indexes = [
            models.Index(fields=["fiscal_year", "region", "agency"], name="programs_proposalsummary_key"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "region", "agency", "status", "scheme"],
                condition=Q(scheme__isnull=False),
                name="programs_proposalsummary_one_per_scheme",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "region", "agency", "status"],
                condition=Q(scheme__isnull=True),
                name="programs_proposalsummary_one_total",
            ),
        ]

    def __str__(self) -> str:
        scheme = self.scheme_id or "semua skema"
        return f"TA {self.fiscal_year} {self.region_id}/{self.agency_id} {self.status} {scheme}"


class WorkPlanQuerySet(RegionScopedQuerySet):
    region_field = "agency__region__code"


class WorkPlan(models.Model):
    """An agency's Renja for one fiscal year; draft until finalised, then locked."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draf")
        FINAL = "final", _("Final (terkunci)")

    agency = models.ForeignKey(
        Agency, verbose_name=_("perangkat daerah"), on_delete=models.PROTECT, related_name="work_plans"
    )
    fiscal_year = fiscal_year_field()
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    finalised_at = models.DateTimeField(_("difinalkan"), null=True, blank=True)
    synced_at = models.DateTimeField(_("sinkron terakhir"), null=True, blank=True)

    objects = WorkPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("Renja PD")
        verbose_name_plural = _("Renja PD")
        ordering = ["-fiscal_year", "agency__short_name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "fiscal_year"], name="programs_workplan_one_per_agency_year"),
            fiscal_year_in_range(),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(finalised_at__isnull=False),
                name="programs_workplan_final_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Renja {self.agency} TA {self.fiscal_year}"

    @property
    def is_locked(self) -> bool:
        return self.status == WorkPlan.Status.FINAL


class WorkPlanItem(models.Model):
    """One sub kegiatan row of a Renja for one kabupaten/kota, traceable to the proposals it came from."""

    work_plan = models.ForeignKey(WorkPlan, verbose_name=_("Renja"), on_delete=models.CASCADE, related_name="items")
    sub_activity = models.ForeignKey(
        Nomenclature,
        verbose_name=_("sub kegiatan"),
        on_delete=models.PROTECT,
        related_name="work_plan_items",
        limit_choices_to={"level": Nomenclature.Level.SUB_ACTIVITY},
    )
    region = models.ForeignKey(Region, verbose_name=_("kabupaten/kota"), on_delete=models.PROTECT, related_name="+")
    location = cell_text_field(_("lokasi"), blank=True)
    target = models.CharField(
        _("target"), max_length=300, blank=True, help_text=_("Volume per satuan, mis. 12,5 km; 3 unit")
    )
    forward_target = models.CharField(_("prakiraan maju target"), max_length=300, blank=True)
    forward_amount = money_field(_("prakiraan maju pagu"), default=0)
    notes = cell_text_field(_("keterangan"), blank=True)
    source_proposals = models.ManyToManyField(
        Proposal, verbose_name=_("usulan sumber"), related_name="work_plan_items", blank=True
    )

    class Meta:
        verbose_name = _("baris Renja")
        verbose_name_plural = _("baris Renja")
        ordering = ["work_plan", "sub_activity__code", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_plan", "sub_activity", "region"], name="programs_workplanitem_one_per_sub_activity_region"
            ),
            models.CheckConstraint(
                condition=Q(forward_amount__gte=0), name="programs_workplanitem_forward_amount_not_negative"
            ),
            amount_at_most_max("forward_amount"),
            text_fits_a_cell("location", "notes"),
        ]

    def __str__(self) -> str:
        return f"{self.sub_activity.code} — {self.region.name}"


class WorkPlanItemFunding(FundingLine):
    item = models.ForeignKey(
        WorkPlanItem, verbose_name=_("baris Renja"), on_delete=models.CASCADE, related_name="funding_lines"
    )

    class Meta:
        verbose_name = _("pendanaan baris Renja")
        verbose_name_plural = _("pendanaan baris Renja")
        ordering = ["item", "scheme__order"]
        constraints = funding_line_constraints("item")


class IndicatorQuerySet(models.QuerySet):
    def for_user(self, user: Any) -> IndicatorQuerySet:
        """Indicator definitions are not regional: everyone signed in with a role sees them (their figures are
        scoped by region, `IndicatorTarget.objects.for_user`)."""
        from rakornis import policy  # the policy reads these models: import it when asked, not at load time

        return self if policy.sees_indicators(user) else self.none()


class Indicator(models.Model):
    """An outcome indicator (RTLH units handled, slum hectares handled, % households with safe sanitation)."""

    class Direction(models.TextChoices):
        UP = "naik", _("Naik (makin tinggi makin baik)")
        DOWN = "turun", _("Turun (makin rendah makin baik)")

    class Counting(models.TextChoices):
        CUMULATIVE = "kumulatif", _("Kumulatif (capaian sampai akhir tahun)")
        ANNUAL = "tahunan", _("Tahunan (capaian tahun itu saja)")

    code = models.CharField(_("kode"), max_length=30)
    name = models.CharField(_("nama indikator"), max_length=300)
    unit = models.CharField(_("satuan"), max_length=30)
    direction = models.CharField(_("arah"), max_length=5, choices=Direction.choices, default=Direction.UP)
    counting = models.CharField(_("cara hitung"), max_length=9, choices=Counting.choices, default=Counting.CUMULATIVE)
    definition = models.TextField(_("definisi operasional"), max_length=2000, blank=True)
    sector = models.ForeignKey(
        Nomenclature,
        verbose_name=_("bidang urusan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
        limit_choices_to={"level": Nomenclature.Level.SECTOR},
    )
    sub_activities = models.ManyToManyField(
        Nomenclature,
        verbose_name=_("sub kegiatan pendukung"),
        through="IndicatorSubActivity",
        related_name="supported_indicators",
        blank=True,
    )

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("indikator kinerja")
        verbose_name_plural = _("indikator kinerja")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="programs_indicator_unique_code"),
            models.CheckConstraint(condition=~Q(code=""), name="programs_indicator_code_not_empty"),
            models.CheckConstraint(condition=Q(direction__in=["naik", "turun"]), name="programs_indicator_direction"),
            models.CheckConstraint(
                condition=Q(counting__in=["kumulatif", "tahunan"]), name="programs_indicator_counting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("indicators:indicator-detail", args=[self.code])


class IndicatorSubActivity(models.Model):
    """A sub kegiatan that contributes to an indicator (agreed at a Rakortekrenbang desk, matching the Renstra)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indikator"), on_delete=models.CASCADE, related_name="sub_activity_links"
    )
    sub_activity = models.ForeignKey(
        Nomenclature,
        verbose_name=_("sub kegiatan"),
        on_delete=models.PROTECT,
        related_name="indicator_links",
        limit_choices_to={"level": Nomenclature.Level.SUB_ACTIVITY},
    )

    class Meta:
        verbose_name = _("sub kegiatan pendukung indikator")
        verbose_name_plural = _("sub kegiatan pendukung indikator")
        ordering = ["indicator", "sub_activity__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "sub_activity"], name="programs_indicatorsubactivity_once_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} \u2190 {self.sub_activity.code}"


class IndicatorSource(models.Model):
    """Where a figure comes from: a document (RPJMD, SK Penetapan Kawasan Kumuh, a report), its number and date."""

    document = models.CharField(_("dokumen"), max_length=300)
    number = models.CharField(_("nomor"), max_length=100, blank=True, help_text=_("Nomor SK/Perda/surat, bila ada."))
    date = models.DateField(_("tanggal"))

    class Meta:
        verbose_name = _("sumber data indikator")
        verbose_name_plural = _("sumber data indikator")
        ordering = ["-date", "document"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number", "date"], name="programs_indicatorsource_unique"),
            models.CheckConstraint(condition=~Q(document=""), name="programs_indicatorsource_document_not_empty"),
        ]

    def __str__(self) -> str:
        number = f" Nomor {self.number}" if self.number else ""
        return f"{self.document}{number} ({self.date:%d-%m-%Y})"


INDICATOR_VALUE_DIGITS: dict[str, Any] = {"max_digits": 16, "decimal_places": 4}


class IndicatorDenominator(models.Model):
    """What an indicator counts against in one region: 237,973 RTLH recorded in Kalsel; the slum area fixed by an SK
    Penetapan Kawasan Kumuh. One per region; a new SK replaces it (the audit trail keeps the old figure)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indikator"), on_delete=models.CASCADE, related_name="denominators"
    )
    region = models.ForeignKey(Region, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("penyebut"), **INDICATOR_VALUE_DIGITS)
    label = models.CharField(_("keterangan"), max_length=200, help_text=_("Mis. “RTLH terdata”."))
    source = models.ForeignKey(IndicatorSource, verbose_name=_("sumber"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("penyebut indikator")
        verbose_name_plural = _("penyebut indikator")
        ordering = ["indicator", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region"], name="programs_indicatordenominator_one_per_region"
            ),
            models.CheckConstraint(condition=Q(value__gt=0), name="programs_indicatordenominator_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.region.code}: {self.value}"


class IndicatorTargetQuerySet(RegionScopedQuerySet):
    region_field = "region__code"

    def for_user(self, user: Any) -> Self:
        """The figures of the user's regions and of their province (a kabupaten/kota works towards it)."""
        from rakornis import policy

        return policy.visible_with_province(self, user, self.region_field)


class IndicatorTarget(models.Model):
    """Baseline, target and realisation of one indicator in one region (province or kabupaten/kota) and year, each
    with the source it was taken from."""

    class Figure(models.TextChoices):
        BASELINE = "baseline", _("Baseline")
        TARGET = "target", _("Target")
        REALISATION = "realisation", _("Realisasi")

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indikator"), on_delete=models.CASCADE, related_name="targets"
    )
    region = models.ForeignKey(Region, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="+")
    year = fiscal_year_field(_("tahun"))
    baseline = models.DecimalField(_("baseline"), null=True, blank=True, **INDICATOR_VALUE_DIGITS)
    target = models.DecimalField(_("target"), null=True, blank=True, **INDICATOR_VALUE_DIGITS)
    realisation = models.DecimalField(_("realisasi"), null=True, blank=True, **INDICATOR_VALUE_DIGITS)
    baseline_source = models.ForeignKey(
        IndicatorSource,
        verbose_name=_("sumber baseline"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_source = models.ForeignKey(
        IndicatorSource,
        verbose_name=_("sumber target"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    realisation_source = models.ForeignKey(
        IndicatorSource,
        verbose_name=_("sumber realisasi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = IndicatorTargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("target indikator")
        verbose_name_plural = _("target indikator")
        ordering = ["indicator", "region__code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "year"], name="programs_indicatortarget_one_per_region_year"
            ),
            fiscal_year_in_range("year"),
            models.CheckConstraint(
                condition=(Q(baseline__isnull=True) | Q(baseline__gte=0))
                & (Q(target__isnull=True) | Q(target__gte=0))
                & (Q(realisation__isnull=True) | Q(realisation__gte=0)),
                name="programs_indicatortarget_figures_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.region.code} {self.year}"


class ExcelJob(models.Model):
    """An export or import run by the background worker, with its progress and, when done, its file.

    The file lives in MEDIA_ROOT/jobs (a FileField, not a BinaryField: a 100,000-row export is tens of MB, which
    the database would otherwise carry in every row read) and is served only to the job's owner.
    """

    class Kind(models.TextChoices):
        PROPOSAL_EXPORT = "proposal_export", _("Ekspor usulan")
        WORKPLAN_EXPORT = "workplan_export", _("Ekspor Renja")
        PROPOSAL_IMPORT = "proposal_import", _("Impor usulan")
        MEETING_MINUTES = "meeting_minutes", _("Berita Acara lengkap")
        MEETING_ANNEX = "meeting_annex", _("Lampiran Berita Acara")
        # Reading and checking an uploaded workbook for its preview: never in the web request (issue 8).
        PROPOSAL_PREVIEW = "proposal_preview", _("Pemeriksaan berkas impor")
        # The check of an uploaded workbook of indicator figures (the `indicators` app), for its preview.
        INDICATOR_PREVIEW = "indicator_preview", _("Pemeriksaan berkas indikator")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu")
        RUNNING = "running", _("Berjalan")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="excel_jobs"
    )
    params = models.JSONField(_("parameter"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(_("baris selesai"), default=0)
    rows_total = models.PositiveIntegerField(_("jumlah baris"), default=0)
    file = models.FileField(_("berkas"), upload_to="jobs/", blank=True)
    filename = models.CharField(_("nama berkas"), max_length=200, blank=True)
    summary = models.TextField(_("hasil"), blank=True)
    error = models.TextField(_("kesalahan"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    # The lease: a running job's worker stamps `heartbeat_at` every few seconds; a job whose stamp is older than
    # JOB_LEASE_SECONDS lost its worker (killed, machine gone) and is retried once or failed (programs.jobs).
    heartbeat_at = models.DateTimeField(_("tanda hidup terakhir"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    # What a preview job found (errors, warnings, the rows shown), for the preview page; JSON, not the parse result.
    outcome = models.JSONField(_("hasil pemeriksaan"), default=dict, blank=True)

    class Meta:
        verbose_name = _("pekerjaan Excel")
        verbose_name_plural = _("pekerjaan Excel")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("programs:job-detail", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == ExcelJob.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)


# --- Supporting documents and the readiness checklist (issue 10) -----------------------------------------------------


# The content types a document may have (read from the file's first bytes, never its name) and the extension stored.
DOCUMENT_EXTENSIONS: dict[str, str] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


def document_upload_to(instance: ProposalDocument, filename: str) -> str:
    """documents/<proposal id>/<random>.<ext>: never the uploaded name (kept in `original_name`), so nothing a user
    types reaches a path, and two uploads of "DED.pdf" never meet."""
    import secrets

    extension = DOCUMENT_EXTENSIONS.get(instance.content_type, "bin")
    return f"documents/{instance.proposal_id}/{secrets.token_urlsafe(18)}.{extension}"


class ProposalDocument(models.Model):
    """A supporting document (*data dukung*) of a proposal: the file lives in the default storage, never under a
    public URL; it is served by `programs.document_views.document_download` to whoever sees the proposal."""

    class Kind(models.TextChoices):
        DED = "ded", _("DED (gambar rencana)")
        RAB = "rab", _("RAB")
        SITE_PHOTO = "foto_0", _("Foto lokasi 0 %")
        LAND_STATUS = "status_lahan", _("Status lahan")
        ENVIRONMENTAL = "lingkungan", _("Dokumen lingkungan")
        COVER_LETTER = "surat_usulan", _("Surat usulan")
        OTHER = "lainnya", _("Lainnya")

    proposal = models.ForeignKey(Proposal, verbose_name=_("usulan"), on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("jenis dokumen"), max_length=16, choices=Kind.choices)
    description = models.CharField(_("keterangan"), max_length=200, blank=True)
    file = models.FileField(_("berkas"), upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(_("nama berkas asli"), max_length=200)
    content_type = models.CharField(_("tipe isi"), max_length=100)
    size = models.PositiveIntegerField(_("ukuran (byte)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diunggah oleh"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("diunggah"), auto_now_add=True)

    class Meta:
        verbose_name = _("dokumen pendukung")
        verbose_name_plural = _("dokumen pendukung")
        ordering = ["proposal", "kind", "uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    content_type__in=[
                        "application/pdf",
                        "image/jpeg",
                        "image/png",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ]
                ),
                name="programs_proposaldocument_content_type",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="programs_proposaldocument_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


def document_kinds(codes: Any) -> list[str]:
    """Document kinds as a proposal declares them: known `ProposalDocument.Kind` codes, each once, in the kinds'
    order, so that the same declaration is always stored, audited and exported the same way."""
    wanted = set(codes or ()) if isinstance(codes, list | tuple | set | frozenset) else set()
    return [code for code in ProposalDocument.Kind.values if code in wanted]


class ReadinessCriterion(models.Model):
    """One item of the verifier's readiness checklist (*kriteria kesiapan*), kept in the admin: inactive ones are
    no longer asked but stay on the verifications that recorded them."""

    name = models.CharField(_("kriteria"), max_length=200)
    description = models.TextField(_("penjelasan"), max_length=2000, blank=True)
    active = models.BooleanField(_("aktif"), default=True)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("kriteria kesiapan")
        verbose_name_plural = _("kriteria kesiapan")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="programs_readinesscriterion_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="programs_readinesscriterion_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class ProposalCheck(models.Model):
    """The verifier's readiness checklist of one proposal at one verification or return: who, when, the note, and
    per criterion whether it was met (`ProposalCheckItem`)."""

    class Outcome(models.TextChoices):
        VERIFIED = "verified", _("Diverifikasi")
        RETURNED = "returned", _("Dikembalikan")

    proposal = models.ForeignKey(Proposal, verbose_name=_("usulan"), on_delete=models.CASCADE, related_name="checks")
    outcome = models.CharField(_("hasil"), max_length=10, choices=Outcome.choices)
    note = models.TextField(_("catatan"), max_length=CELL_TEXT_MAX, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("oleh"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(_("waktu"))
    criteria = models.ManyToManyField(
        ReadinessCriterion, verbose_name=_("kriteria"), through="ProposalCheckItem", related_name="+"
    )
    # Its items in the criteria's order, as `programs.verification.latest_check` reads them with it (not a field).
    item_list: list[ProposalCheckItem]

    class Meta:
        verbose_name = _("pemeriksaan kesiapan")
        verbose_name_plural = _("pemeriksaan kesiapan")
        ordering = ["proposal", "-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.checked_at:%d-%m-%Y %H:%M}"


class ProposalCheckItem(models.Model):
    proposal_check = models.ForeignKey(
        ProposalCheck, verbose_name=_("pemeriksaan"), on_delete=models.CASCADE, related_name="items"
    )
    criterion = models.ForeignKey(
        ReadinessCriterion, verbose_name=_("kriteria"), on_delete=models.PROTECT, related_name="check_items"
    )
    met = models.BooleanField(_("terpenuhi"))

    class Meta:
        verbose_name = _("butir pemeriksaan kesiapan")
        verbose_name_plural = _("butir pemeriksaan kesiapan")
        ordering = ["proposal_check", "criterion__order", "criterion"]
        constraints = [
            models.UniqueConstraint(fields=["proposal_check", "criterion"], name="programs_proposalcheckitem_once"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {'ya' if self.met else 'tidak'}"


class ProposalComment(models.Model):
    """One message of a proposal's thread (*diskusi*), between the province's staff and the proposing
    kabupaten/kota: read by whoever sees the proposal, written by whoever the policy lets comment there
    (`rakornis.policy.may_comment`). Plain text, escaped when shown."""

    MAX_LENGTH = 4000

    proposal = models.ForeignKey(Proposal, verbose_name=_("usulan"), on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("penulis"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("komentar"), max_length=MAX_LENGTH)
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("komentar usulan")
        verbose_name_plural = _("komentar usulan")
        ordering = ["proposal", "created_at", "pk"]
        indexes = [models.Index(fields=["proposal", "created_at"], name="programs_comment_thread")]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="programs_proposalcomment_not_empty"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), 4000), name="programs_proposalcomment_length"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author or 'sistem'}, {self.created_at:%d-%m-%Y %H:%M}"


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user: Any) -> NotificationQuerySet:
        """A user's own notifications (nobody reads another's: a 404, as for a job)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something that happened to a proposal the recipient works on, shown in the header's count and on the
    notifications page, and mailed where a relay is configured. Written only by `programs.notifications.notify`.
    A bulk event over many proposals leaves one summarised row per recipient (`count` > 1, no proposal)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Usulan diajukan")
        RETURNED = "returned", _("Usulan dikembalikan")
        VERIFIED = "verified", _("Usulan diverifikasi")
        DECIDED = "decided", _("Kesepakatan rapat")
        COMMENTED = "commented", _("Komentar baru")
        CARRIED_OVER = "carried_over", _("Usulan dilanjutkan")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("penerima"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("jenis"), max_length=16, choices=Kind.choices)
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("usulan"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    meeting = models.ForeignKey(
        "meetings.Meeting", verbose_name=_("rapat"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("jumlah usulan"), default=1)
    text = models.TextField(_("isi"), max_length=2000)
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True)
    read_at = models.DateTimeField(_("dibaca"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notifikasi")
        verbose_name_plural = _("notifikasi")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The notifications page: a user's newest first.
            models.Index(fields=["recipient", "-created_at", "-id"], name="programs_notification_inbox"),
            # The header's unread count on every page: only the unread rows are in it.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="programs_notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} untuk {self.recipient}"

    def get_absolute_url(self) -> str:
        """The proposal (at its thread for a comment), the meeting, or the list of the proposals a summary counts."""
        if self.proposal_id is not None:
            anchor = "#diskusi" if self.kind == self.Kind.COMMENTED else ""
            return reverse("programs:proposal-detail", args=[self.proposal_id]) + anchor
        if self.meeting_id is not None:
            return reverse("meetings:meeting-detail", args=[self.meeting_id])
        status: str | None = {
            str(self.Kind.SUBMITTED): Proposal.Status.SUBMITTED,
            str(self.Kind.RETURNED): Proposal.Status.RETURNED,
            str(self.Kind.VERIFIED): Proposal.Status.VERIFIED,
            str(self.Kind.CARRIED_OVER): Proposal.Status.DRAFT,
        }.get(self.kind)
        url = reverse("programs:proposal-list")
        return f"{url}?status={status}" if status else url


class NotificationPreference(models.Model):
    """A user's choice for one kind of notification: in the application, by email. No row: both on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pengguna"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("jenis"), max_length=16, choices=Notification.Kind.choices)
    in_app = models.BooleanField(_("di aplikasi"), default=True)
    email = models.BooleanField(_("email"), default=True)

    class Meta:
        verbose_name = _("pengaturan notifikasi")
        verbose_name_plural = _("pengaturan notifikasi")
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="programs_notificationpreference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()}"
