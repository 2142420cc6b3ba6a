"""Reads of indicator figures that several pages share: the list, an indicator's trajectory per region, and the gap
to each target (`indicator_gaps`, for the dashboards). Every read is scoped by the access policy and bounded by the
number of indicators, regions and years, never by the number of proposals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from agencies.models import Region
from programs.models import Indicator, IndicatorDenominator, IndicatorSource, IndicatorTarget, Nomenclature
from rakornis import policy

# How many years a trajectory or a gap looks back from the year asked: an RPJMD period and its baseline.
YEARS_BACK = 10
# The most rows `indicator_gaps` returns: a dashboard panel, not a report.
GAPS_LIMIT = 200
HUNDRED = Decimal(100)


def gap_to_target(indicator: Indicator, target: Decimal | None, realisation: Decimal | None) -> Decimal | None:
    """What is still missing to reach `target`: positive while short of it, zero or less once reached. For an
    indicator where lower is better (`turun`), the realisation above the target."""
    if target is None or realisation is None:
        return None
    if indicator.direction == Indicator.Direction.DOWN:
        return realisation - target
    return target - realisation


def percent_of(value: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """`value` as a percentage of `denominator`, two decimals: 2,804 of 237,973 is 1.18."""
    if value is None or not denominator:
        return None
    return (value * HUNDRED / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class YearFigures:
    """One year of one region: the three figures, their sources, the gap and the share of the denominator."""

    year: int
    baseline: Decimal | None
    target: Decimal | None
    realisation: Decimal | None
    gap: Decimal | None
    percent: Decimal | None
    sources: list[tuple[str, IndicatorSource]]


@dataclass
class RegionTrajectory:
    region: Region
    denominator: IndicatorDenominator | None
    years: list[YearFigures] = field(default_factory=list)

    @property
    def latest(self) -> YearFigures | None:
        """The latest year with a realisation, else the latest year."""
        with_realisation = [year for year in self.years if year.realisation is not None]
        return with_realisation[-1] if with_realisation else (self.years[-1] if self.years else None)

    @property
    def remaining(self) -> Decimal | None:
        """What is left of the denominator after the latest realisation (235,169 RTLH of 237,973)."""
        latest = self.latest
        if self.denominator is None or latest is None or latest.realisation is None:
            return None
        return self.denominator.value - latest.realisation

    def chart_data(self, indicator: Indicator) -> dict[str, Any]:
        """What static/js/indicator_chart.js draws, as plain JSON (numbers as floats: a chart needs no more)."""

        def series(name: str) -> list[float | None]:
            return [None if getattr(y, name) is None else float(getattr(y, name)) for y in self.years]

        return {
            "title": f"{indicator.name} \u2014 {self.region.name}",
            "unit": indicator.unit,
            "years": [y.year for y in self.years],
            "baseline": series("baseline"),
            "target": series("target"),
            "realisation": series("realisation"),
            "gap": [None if y.gap is None else float(max(y.gap, Decimal(0))) for y in self.years],
        }


def visible_indicators(user: Any) -> list[Indicator]:
    return list(Indicator.objects.for_user(user).select_related("sector").order_by("code"))


def _sources(row: IndicatorTarget) -> list[tuple[str, IndicatorSource]]:
    pairs = [
        ("Baseline", row.baseline_source),
        ("Target", row.target_source),
        ("Realisasi", row.realisation_source),
    ]
    return [(label, source) for label, source in pairs if source is not None]


def indicator_trajectories(user: Any, indicator: Indicator) -> list[RegionTrajectory]:
    """Every region the user sees that has figures or a denominator for `indicator`, the province first, each with
    its years in order. Two queries."""
    rows = (
        IndicatorTarget.objects.for_user(user)
        .filter(indicator=indicator)
        .select_related("region", "baseline_source", "target_source", "realisation_source")
        .order_by("region__code", "year")
    )
    denominators = {
        row.region_id: row
        for row in policy.visible_with_province(
            IndicatorDenominator.objects.filter(indicator=indicator).select_related("region", "source"),
            user,
            "region__code",
        )
    }
    by_region: dict[int, RegionTrajectory] = {}
    for row in rows:
        trajectory = by_region.get(row.region_id)
        if trajectory is None:
            trajectory = by_region[row.region_id] = RegionTrajectory(row.region, denominators.get(row.region_id))
        denominator = trajectory.denominator.value if trajectory.denominator else None
        trajectory.years.append(
            YearFigures(
                year=row.year,
                baseline=row.baseline,
                target=row.target,
                realisation=row.realisation,
                gap=gap_to_target(indicator, row.target, row.realisation),
                percent=percent_of(row.realisation, denominator),
                sources=_sources(row),
            )
        )
    for region_id, row_denominator in denominators.items():
        by_region.setdefault(region_id, RegionTrajectory(row_denominator.region, row_denominator))
    return sorted(by_region.values(), key=lambda t: (t.region.level != Region.Level.PROVINCE, t.region.code))


def contributing_sub_activities(indicator: Indicator) -> list[Nomenclature]:
    return list(indicator.sub_activities.order_by("code"))


@dataclass(frozen=True)
class IndicatorGap:
    """The latest target of an indicator in a region up to a year, its realisation that year, and the gap."""

    indicator: Indicator
    region: Region
    year: int
    target: Decimal
    realisation: Decimal | None
    gap: Decimal | None
    percent_of_target: Decimal | None


def indicator_gaps(user: Any, year: int, *, limit: int = GAPS_LIMIT) -> list[IndicatorGap]:
    """Per indicator and region the user sees: the latest year up to `year` with a target, that target, the
    realisation of that year and the gap still to close (`gap_to_target`). Province rows first, then kabupaten/kota
    by code; at most `limit` rows, from one query over at most YEARS_BACK years."""
    rows = (
        IndicatorTarget.objects.for_user(user)
        .filter(year__lte=year, year__gt=year - YEARS_BACK, target__isnull=False)
        .select_related("indicator", "region")
        .order_by("indicator__code", "region__code", "-year")
    )
    latest: dict[tuple[int, int], IndicatorTarget] = {}
    for row in rows:
        latest.setdefault((row.indicator_id, row.region_id), row)
    gaps = []
    for row in latest.values():
        assert row.target is not None  # filtered above
        gaps.append(
            IndicatorGap(
                indicator=row.indicator,
                region=row.region,
                year=row.year,
                target=row.target,
                realisation=row.realisation,
                gap=gap_to_target(row.indicator, row.target, row.realisation),
                percent_of_target=percent_of(row.realisation, row.target),
            )
        )
    gaps.sort(key=lambda g: (g.indicator.code, g.region.level != Region.Level.PROVINCE, g.region.code))
    return gaps[:limit]


def indicator_overview(user: Any, year: int) -> dict[int, dict[str, Any]]:
    """For the list page: per indicator id, how many regions have figures the user sees and the gaps of `year`'s
    context (the latest target up to it, per region)."""
    counts: dict[int, set[int]] = defaultdict(set)
    for indicator_id, region_id in (
        IndicatorTarget.objects.for_user(user).values_list("indicator_id", "region_id").distinct()
    ):
        counts[indicator_id].add(region_id)
    gaps: dict[int, list[IndicatorGap]] = defaultdict(list)
    for gap in indicator_gaps(user, year):
        gaps[gap.indicator.pk].append(gap)
    return {
        indicator_id: {"regions": len(regions), "gaps": gaps.get(indicator_id, [])}
        for indicator_id, regions in counts.items()
    }
