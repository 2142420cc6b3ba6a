"""Every write of indicator figures: one figure (the entry form), a denominator, a whole import. Each checks the
access policy again, writes an audit entry with what changed, and runs in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext

from agencies.models import Region
from programs.models import Indicator, IndicatorDenominator, IndicatorSource, IndicatorTarget
from rakornis import policy
from rakornis.audit import audit_log, diff, snapshot
from rakornis.models import AuditEntry

Figure = IndicatorTarget.Figure
FIGURE_LEVELS = (Region.Level.PROVINCE, Region.Level.REGENCY)


class IndicatorEntryError(ValueError):
    """A figure the rules refuse (a region that is neither a province nor a kabupaten/kota)."""


@dataclass(frozen=True)
class SourceInput:
    """Where a figure comes from, as typed: the document, its number (SK, Perda; may be empty) and its date."""

    document: str
    number: str
    date: date


@dataclass(frozen=True)
class FigureInput:
    """One figure to record: the value of `figure` for `indicator` in `region` and `year`, from `source`."""

    indicator: Indicator
    region: Region
    year: int
    figure: str
    value: Decimal
    source: SourceInput


def indicator_source_get(*, source: SourceInput) -> IndicatorSource:
    """The source row for a document, number and date: the same document cited twice is one row."""
    row, _ = IndicatorSource.objects.get_or_create(
        document=source.document.strip(), number=source.number.strip(), date=source.date
    )
    return row


def _check_region(region: Region) -> None:
    if region.level not in FIGURE_LEVELS:
        raise IndicatorEntryError(
            gettext("%(name)s: capaian indikator dicatat per provinsi atau kabupaten/kota.") % {"name": region.name}
        )


def _figure_write(*, user: Any, entry: FigureInput) -> tuple[IndicatorTarget, bool]:
    """Record one figure inside the caller's transaction; returns the row and whether anything changed."""
    if not policy.may_enter_indicator_figure(user, entry.figure, entry.region.code):
        label = Figure(entry.figure).label.lower()
        raise PermissionDenied(
            gettext("Peran Anda tidak mengizinkan mengisi %(label)s indikator di %(name)s.")
            % {"label": label, "name": entry.region.name}
        )
    _check_region(entry.region)
    source = indicator_source_get(source=entry.source)
    row, created = IndicatorTarget.objects.select_for_update().get_or_create(
        indicator=entry.indicator, region=entry.region, year=entry.year
    )
    fields = [entry.figure, f"{entry.figure}_source"]
    before = snapshot(row, fields)
    setattr(row, entry.figure, entry.value)
    setattr(row, f"{entry.figure}_source", source)
    changes = diff(before, snapshot(row, fields))
    if not changes and not created:
        return row, False
    row.save(update_fields=fields)
    audit_log(
        user=user,
        obj=row,
        action=AuditEntry.Action.CREATED if created else AuditEntry.Action.CHANGED,
        changes=changes,
    )
    return row, True


def indicator_figure_set(*, user: Any, entry: FigureInput) -> IndicatorTarget:
    """Record one baseline, target or realisation with its source (the entry form)."""
    with transaction.atomic():
        row, _ = _figure_write(user=user, entry=entry)
    return row


def indicator_figures_import(*, user: Any, entries: Sequence[FigureInput]) -> int:
    """Record every figure of an import, all or nothing; returns how many changed. The rows were checked by the
    parse; the policy is asked again here, so a role withdrawn since the preview refuses the whole import."""
    changed = 0
    with transaction.atomic():
        for entry in entries:
            _, did = _figure_write(user=user, entry=entry)
            changed += did
    return changed


def indicator_denominator_set(
    *, user: Any, indicator: Indicator, region: Region, value: Decimal, label: str, source: SourceInput
) -> IndicatorDenominator:
    """Set what the indicator counts against in `region` (RTLH recorded, the slum area of an SK); a new SK
    replaces the old figure, which the audit entry keeps."""
    if not policy.may(user, policy.Action.SET_INDICATOR_TARGET, region.code):
        raise PermissionDenied(
            gettext("Peran Anda tidak mengizinkan mengubah penyebut indikator di %(name)s.") % {"name": region.name}
        )
    _check_region(region)
    if value <= 0:
        raise IndicatorEntryError(gettext("Penyebut harus lebih dari nol."))
    with transaction.atomic():
        row = (
            IndicatorDenominator.objects.select_for_update()
            .filter(indicator=indicator, region=region)
            .select_related("source")
            .first()
        )
        created = row is None
        if row is None:
            row = IndicatorDenominator(indicator=indicator, region=region)
        fields = ["value", "label", "source"]
        before = {} if created else snapshot(row, fields)
        row.value, row.label, row.source = value, label.strip(), indicator_source_get(source=source)
        changes = diff(before, snapshot(row, fields))
        if changes:
            row.save()
            audit_log(
                user=user,
                obj=row,
                action=AuditEntry.Action.CREATED if created else AuditEntry.Action.CHANGED,
                changes=changes,
            )
    return row
