"""The dashboard of the fiscal year in context (issue 10): what a person may see of that year at a glance.

Every number comes from the proposal summary (`programs.summary`, `ProposalSummary`), scoped by the access policy
(`ProposalSummary.objects.for_user`): one grouped query over at most kabupaten/kota x status x scheme rows, whatever
the number of proposals. The Renja panel reads the year's work plans (at most WORKPLAN_LIMIT), the indicator panel
`indicators.selectors.indicator_gaps` (at most GAPS_LIMIT rows). The page costs the same handful of queries at five
proposals and at 500,000.

The rules are the home page's and the recap's:
- "pagu usulan" adds the funding lines of proposals in `Proposal.PROPOSED_STATUSES` (not drafts, rejected, merged,
  deferred);
- "pagu disepakati" adds what the deciding decision of each agreed proposal agreed (the summary's agreed amounts);
- the recap by kabupaten/kota x scheme is the agreed amounts, as the recap workbook's first sheet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from django.utils.translation import gettext, gettext_noop

from indicators.selectors import IndicatorGap, indicator_gaps
from programs.models import FundingScheme, Proposal, ProposalSummary, WorkPlan
from programs.xlsx.columns import ordered_schemes

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ZERO = Decimal(0)
WORKPLAN_LIMIT = 50  # a panel, not the Renja list (which has its own page)
GAPS_LIMIT = 30

# The funnel's stages: how far the year's proposals got. Each stage counts the proposals at it or past it, so the
# bars shrink from left to right; the statuses each stage adds are in FUNNEL_STATUSES.
S = Proposal.Status
DECIDED = (S.AGREED, S.AGREED_WITH_CHANGES, S.MERGED, S.DEFERRED, S.REJECTED)
FUNNEL: list[tuple[str, str, tuple[str, ...]]] = [
    ("all", gettext_noop("Semua usulan"), tuple(S.values)),
    ("submitted", gettext_noop("Diajukan ke provinsi"), tuple(v for v in S.values if v != S.DRAFT)),
    ("verified", gettext_noop("Lolos verifikasi"), (S.VERIFIED, *DECIDED)),
    ("decided", gettext_noop("Diputus rapat"), DECIDED),
    ("agreed", gettext_noop("Disepakati"), (S.AGREED, S.AGREED_WITH_CHANGES)),
]


class RegionName(NamedTuple):
    """What the dashboard shows of a kabupaten/kota, read with the summary."""

    pk: int
    code: str
    name: str


@dataclass
class RegionRow:
    """One kabupaten/kota of the year: amounts, progress counts and the recap's agreed amounts per scheme."""

    region: RegionName
    by_status: dict[str, int] = field(default_factory=dict)
    proposed: Decimal = ZERO
    agreed: Decimal = ZERO
    agreed_count: int = 0
    agreed_by_scheme: list[Decimal] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def drafts(self) -> int:
        return self.by_status.get(S.DRAFT, 0)

    @property
    def returned(self) -> int:
        return self.by_status.get(S.RETURNED, 0)

    @property
    def submitted(self) -> int:
        return self.by_status.get(S.SUBMITTED, 0)

    @property
    def verified(self) -> int:
        """Verified or further: the proposals that passed verification (as the funnel's stage)."""
        return sum(self.by_status.get(status, 0) for status in (S.VERIFIED, *DECIDED))


@dataclass
class SchemeRow:
    scheme: FundingScheme
    proposed: Decimal
    agreed: Decimal


@dataclass
class Dashboard:
    year: int
    by_status: list[tuple[str, StrOrPromise, int]]  # (value, label, count) in the workflow's order
    funnel: list[tuple[str, str, int]]  # (key, label, count)
    regions: list[RegionRow]
    schemes: list[SchemeRow]
    recap_schemes: list[FundingScheme]  # the recap table's columns: schemes with an agreed amount
    recap_totals: list[Decimal]
    work_plans: list[WorkPlan]
    work_plans_more: bool
    gaps: list[IndicatorGap] | None
    gaps_more: bool = False

    @property
    def proposal_count(self) -> int:
        return sum(count for _, _, count in self.by_status)

    @property
    def proposed_total(self) -> Decimal:
        return sum((row.proposed for row in self.regions), ZERO)

    @property
    def agreed_total(self) -> Decimal:
        return sum((row.agreed for row in self.regions), ZERO)

    @property
    def agreed_count(self) -> int:
        return sum(row.agreed_count for row in self.regions)

    @property
    def recap_total(self) -> Decimal:
        return sum(self.recap_totals, ZERO)

    def chart_data(self) -> dict[str, Any]:
        """The numbers of the charts, for `json_script` (static/js/dashboard.js); rupiah as whole numbers. Only
        numbers and fixed labels: the names of kabupaten/kota and schemes (data someone typed) reach the script from
        the tables' `data-label` attributes, escaped as HTML, never as text inside a script element."""
        return {
            "funnel": {"labels": [label for _, label, _ in self.funnel], "counts": [n for _, _, n in self.funnel]},
            "regions": {
                "proposed": [int(row.proposed) for row in self.regions],
                "agreed": [int(row.agreed) for row in self.regions],
            },
            "schemes": {
                "proposed": [int(row.proposed) for row in self.schemes],
                "agreed": [int(row.agreed) for row in self.schemes],
            },
            "progress": {
                "drafts": [row.drafts for row in self.regions],
                "returned": [row.returned for row in self.regions],
                "submitted": [row.submitted for row in self.regions],
                "verified": [row.verified for row in self.regions],
            },
        }


def dashboard(user: Any, year: int) -> Dashboard:
    """The dashboard of `year` over what `user` may see. Four queries: the summary grouped by kabupaten/kota (with
    their codes and names), the schemes, the year's work plans, the indicator gaps."""
    by_region_status: dict[int, dict[str, int]] = defaultdict(dict)
    proposed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    agreed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    agreed_count: dict[int, int] = defaultdict(int)
    scheme_proposed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    scheme_agreed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    recap: dict[int, dict[int, Decimal]] = defaultdict(dict)
    names: dict[int, RegionName] = {}
    # `by_region`: the proposed amounts of the counted statuses apart. A summary row without proposals has no
    # proposed amount and one without agreed decisions no agreed amount (summary_check holds them so), so a scheme
    # shows when a counted proposal or an agreed decision draws on it, as when each status was read apart.
    grouped = ProposalSummary.objects.for_user(user).for_year(year).by_region()
    for region_id, code, name, status, scheme_id, count, n_counted, proposed_amount, n_agreed, agreed_amount in grouped:
        if region_id not in names:
            names[region_id] = RegionName(region_id, code, name)
        if scheme_id is None:
            by_region_status[region_id][status] = count
            if n_counted is not None:
                proposed[region_id] += proposed_amount
            agreed[region_id] += agreed_amount
            agreed_count[region_id] += n_agreed
            continue
        if n_counted:
            scheme_proposed[scheme_id] += proposed_amount
        if n_agreed:
            scheme_agreed[scheme_id] += agreed_amount
            recap[region_id][scheme_id] = agreed_amount

    all_schemes = ordered_schemes(FundingScheme.objects.all())
    recap_schemes = [scheme for scheme in all_schemes if any(scheme.pk in row for row in recap.values())]
    regions = []
    for region in names.values():
        if region.pk not in by_region_status:
            continue
        regions.append(
            RegionRow(
                region=region,
                by_status=by_region_status[region.pk],
                proposed=proposed[region.pk],
                agreed=agreed[region.pk],
                agreed_count=agreed_count[region.pk],
                agreed_by_scheme=[recap[region.pk].get(scheme.pk, ZERO) for scheme in recap_schemes],
            )
        )
    statuses: dict[str, int] = defaultdict(int)
    for row in regions:
        for status, count in row.by_status.items():
            statuses[status] += count
    work_plans = list(
        WorkPlan.objects.for_user(user)
        .filter(fiscal_year=year)
        .select_related("agency")
        .order_by("agency__short_name", "pk")[: WORKPLAN_LIMIT + 1]
    )
    gaps = indicator_gaps(user, year, limit=GAPS_LIMIT + 1)
    return Dashboard(
        year=year,
        by_status=[(value, label, statuses.get(value, 0)) for value, label in S.choices],
        funnel=[(key, gettext(label), sum(statuses.get(s, 0) for s in members)) for key, label, members in FUNNEL],
        regions=regions,
        schemes=[
            SchemeRow(scheme, scheme_proposed.get(scheme.pk, ZERO), scheme_agreed.get(scheme.pk, ZERO))
            for scheme in all_schemes
            if scheme.pk in scheme_proposed or scheme.pk in scheme_agreed
        ],
        recap_schemes=recap_schemes,
        recap_totals=[sum((row.agreed_by_scheme[i] for row in regions), ZERO) for i in range(len(recap_schemes))],
        work_plans=work_plans[:WORKPLAN_LIMIT],
        work_plans_more=len(work_plans) > WORKPLAN_LIMIT,
        gaps=gaps[:GAPS_LIMIT],
        gaps_more=len(gaps) > GAPS_LIMIT,
    )
