"""Every named database constraint rejects the row it exists to keep out (on SQLite and PostgreSQL)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from agencies.models import Agency, Region, StaffRole
from meetings.models import Decision, DecisionFunding, Desk, Meeting
from programs.models import (
    FundingScheme,
    Indicator,
    IndicatorTarget,
    Nomenclature,
    Proposal,
    ProposalFunding,
    WorkPlan,
    WorkPlanItem,
    WorkPlanItemFunding,
)
from tests.factories import (
    AgencyFactory,
    DecisionFactory,
    FundingSchemeFactory,
    MeetingFactory,
    ProposalFactory,
    ProposalFundingFactory,
    StaffRoleFactory,
    province,
    regency,
    sub_activity,
)

pytestmark = pytest.mark.django_db


TOO_LONG = "x" * 32_768  # one character more than a spreadsheet cell holds
TOO_MUCH = Decimal(10**18)  # Rp 1.000.000.000.000.000.000: 19 digits


def rejects_amount(constraint: str, create) -> None:
    """An amount beyond 18 digits: SQLite has the check alone; PostgreSQL's numeric(18, 0) refuses it first."""
    with pytest.raises((IntegrityError, DataError)) as excinfo, transaction.atomic():
        create()
    message = str(excinfo.value)
    assert constraint in message or "numeric field overflow" in message, message


def rejects(constraint: str, create) -> None:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        create()
    # SQLite names CHECK constraints in its message; PostgreSQL names every constraint.
    message = str(excinfo.value)
    assert constraint in message or "UNIQUE constraint failed" in message, message


def test_region_code_unique():
    province()
    rejects("agencies_region_unique_code", lambda: Region.objects.create(code="63", name="X", level="provinsi"))


def test_region_below_province_needs_parent():
    rejects(
        "agencies_region_parent_unless_province",
        lambda: Region.objects.create(code="63.99", name="Tanpa induk", level=Region.Level.REGENCY),
    )


def test_agency_names_unique():
    agency = AgencyFactory()
    rejects(
        "agencies_agency_unique_name",
        lambda: Agency.objects.create(name=agency.name, short_name="lain", level=Agency.Level.OTHER),
    )
    rejects(
        "agencies_agency_unique_short_name",
        lambda: Agency.objects.create(name="lain", short_name=agency.short_name, level=Agency.Level.OTHER),
    )


def test_staff_role_no_duplicates():
    role = StaffRoleFactory()
    rejects(
        "agencies_staffrole_no_duplicates",
        lambda: StaffRole.objects.create(user=role.user, agency=role.agency, role=role.role),
    )


def test_nomenclature_code_unique_and_government_level_matches():
    sub_activity()
    rejects(
        "programs_nomenclature_unique_code",
        lambda: Nomenclature.objects.create(code="1.03", level="bidang_urusan", name="Ganda"),
    )
    rejects(
        "programs_nomenclature_government_level_matches_level",
        lambda: Nomenclature.objects.create(code="1.03.99", level="program", name="P", government_level="1"),
    )
    rejects(
        "programs_nomenclature_government_level_matches_level",
        lambda: Nomenclature.objects.create(code="1.03.10.2.09", level="kegiatan", name="K", government_level=""),
    )


def test_funding_scheme_code_unique():
    FundingSchemeFactory(code="DAK_FISIK")
    rejects(
        "programs_fundingscheme_unique_code",
        lambda: FundingScheme.objects.create(code="DAK_FISIK", name="x", short_name="x", budget="APBD"),
    )


def _proposal(**overrides):
    base = ProposalFactory.build(region=regency(), agency=AgencyFactory(), sub_activity=sub_activity())
    for field, value in overrides.items():
        setattr(base, field, value)
    return lambda: base.save()


@pytest.mark.parametrize(
    ("constraint", "overrides"),
    [
        ("programs_proposal_volume_positive", {"volume": Decimal(0)}),
        ("programs_proposal_forward_amount_not_negative", {"forward_amount": Decimal(-1)}),
        ("programs_proposal_forward_volume_not_negative", {"forward_volume": Decimal("-0.5")}),
        ("programs_proposal_fiscal_year_range", {"fiscal_year": 1999}),
        ("programs_proposal_sub_activity_or_explained", {"sub_activity": None}),
        ("programs_proposal_sub_activity_or_explained", {"sub_activity": None, "out_of_catalogue": True}),
        ("programs_proposal_coordinates_in_indonesia", {"latitude": Decimal("48.85"), "longitude": Decimal("2.35")}),
        ("programs_proposal_coordinates_in_indonesia", {"latitude": Decimal("-3.3")}),
        ("programs_proposal_fiscal_year_range", {"fiscal_year": 2101}),
        ("programs_proposal_text_fits_a_cell", {"notes": TOO_LONG}),
        (
            "programs_proposal_text_fits_a_cell",
            {"sub_activity": None, "out_of_catalogue": True, "out_of_catalogue_reason": TOO_LONG},
        ),
    ],
)
def test_proposal_checks(constraint, overrides):
    rejects(constraint, _proposal(**overrides))


def test_proposal_forward_amount_at_most_18_digits():
    rejects_amount("programs_proposal_forward_amount_at_most_max", _proposal(forward_amount=TOO_MUCH))
    _proposal(forward_amount=TOO_MUCH - 1, notes="x" * 32_767)()  # the largest of each is accepted
    assert Proposal.objects.get().forward_amount == TOO_MUCH - 1


def test_proposal_out_of_catalogue_with_explanation_is_accepted():
    _proposal(sub_activity=None, out_of_catalogue=True, out_of_catalogue_reason="Belum ada di Kepmendagri")()
    assert Proposal.objects.filter(out_of_catalogue=True).count() == 1


def test_proposal_number_unique_and_not_carried_from_itself():
    proposal = ProposalFactory()
    rejects("programs_proposal_unique_number", _proposal(number=proposal.number))
    proposal.carried_over_from_id = proposal.pk
    rejects("programs_proposal_not_carried_from_itself", lambda: proposal.save())


def test_funding_line_one_per_scheme_and_not_negative():
    line = ProposalFundingFactory()
    rejects(
        "programs_proposalfunding_one_per_scheme",
        lambda: ProposalFunding.objects.create(proposal=line.proposal, scheme=line.scheme, amount=1),
    )
    other = FundingSchemeFactory(code="BKP")
    rejects(
        "programs_proposalfunding_amount_not_negative",
        lambda: ProposalFunding.objects.create(proposal=line.proposal, scheme=other, amount=-1),
    )
    rejects_amount(
        "programs_proposalfunding_amount_at_most_max",
        lambda: ProposalFunding.objects.create(proposal=line.proposal, scheme=other, amount=TOO_MUCH),
    )


def test_work_plan_constraints():
    agency = AgencyFactory()
    plan = WorkPlan.objects.create(agency=agency, fiscal_year=2027)
    rejects("programs_workplan_one_per_agency_year", lambda: WorkPlan.objects.create(agency=agency, fiscal_year=2027))
    rejects("programs_workplan_fiscal_year_range", lambda: WorkPlan.objects.create(agency=agency, fiscal_year=3000))
    rejects(
        "programs_workplan_final_has_date",
        lambda: WorkPlan.objects.create(agency=agency, fiscal_year=2028, status=WorkPlan.Status.FINAL),
    )
    item = WorkPlanItem.objects.create(work_plan=plan, sub_activity=sub_activity(), region=regency())
    rejects(
        "programs_workplanitem_one_per_sub_activity_region",
        lambda: WorkPlanItem.objects.create(work_plan=plan, sub_activity=item.sub_activity, region=item.region),
    )
    rejects(
        "programs_workplanitem_forward_amount_not_negative",
        lambda: WorkPlanItem.objects.create(
            work_plan=plan, sub_activity=sub_activity("1.03.10.2.01.0055"), region=item.region, forward_amount=-5
        ),
    )
    scheme = FundingSchemeFactory()
    WorkPlanItemFunding.objects.create(item=item, scheme=scheme, amount=10)
    rejects(
        "programs_workplanitemfunding_one_per_scheme",
        lambda: WorkPlanItemFunding.objects.create(item=item, scheme=scheme, amount=10),
    )
    rejects(
        "programs_workplanitemfunding_amount_not_negative",
        lambda: WorkPlanItemFunding.objects.create(item=item, scheme=FundingSchemeFactory(code="DAU_PU"), amount=-1),
    )
    rejects_amount(
        "programs_workplanitemfunding_amount_at_most_max",
        lambda: WorkPlanItemFunding.objects.create(item=item, scheme=FundingSchemeFactory(code="DEK"), amount=TOO_MUCH),
    )
    rejects_amount(
        "programs_workplanitem_forward_amount_at_most_max",
        lambda: WorkPlanItem.objects.filter(pk=item.pk).update(forward_amount=TOO_MUCH),
    )
    for field in ("location", "notes"):
        rejects(
            "programs_workplanitem_text_fits_a_cell",
            lambda field=field: WorkPlanItem.objects.filter(pk=item.pk).update(**{field: TOO_LONG}),
        )


def test_indicator_constraints():
    indicator = Indicator.objects.create(code="RTLH", name="RTLH tertangani", unit="unit")
    rejects("programs_indicator_unique_code", lambda: Indicator.objects.create(code="RTLH", name="x", unit="x"))
    IndicatorTarget.objects.create(indicator=indicator, region=province(), year=2027, target=2804)
    rejects(
        "programs_indicatortarget_one_per_region_year",
        lambda: IndicatorTarget.objects.create(indicator=indicator, region=province(), year=2027),
    )
    for year in (1999, 2101, 9999):
        rejects(
            "programs_indicatortarget_year_range",
            lambda year=year: IndicatorTarget.objects.create(indicator=indicator, region=province(), year=year),
        )


def test_reference_texts_fit_a_cell():
    rejects(
        "programs_nomenclature_text_fits_a_cell",
        lambda: Nomenclature.objects.create(code="1", level="urusan", name="U", performance=TOO_LONG),
    )
    rejects(
        "programs_fundingscheme_text_fits_a_cell",
        lambda: FundingScheme.objects.create(code="X", name="x", short_name="x", budget="APBD", description=TOO_LONG),
    )


def test_meeting_ends_after_it_starts():
    start = timezone.now()
    rejects("meetings_meeting_ends_after_start", lambda: MeetingFactory(starts_at=start, ends_at=start))
    rejects(
        "meetings_meeting_ends_after_start",
        lambda: MeetingFactory(starts_at=start, ends_at=start - timedelta(hours=1)),
    )
    rejects("meetings_meeting_fiscal_year_range", lambda: MeetingFactory(fiscal_year=1945))
    rejects("meetings_meeting_text_fits_a_cell", lambda: MeetingFactory(purpose=TOO_LONG))
    meeting = MeetingFactory()
    Desk.objects.create(meeting=meeting, name="Desk PUPR")
    rejects("meetings_desk_unique_name", lambda: Desk.objects.create(meeting=meeting, name="Desk PUPR"))
    assert Meeting.objects.count() == 1


def test_decision_constraints():
    decision = DecisionFactory()
    meeting, proposal = decision.meeting, decision.proposal
    other = ProposalFactory()
    rejects(
        "meetings_decision_one_per_proposal",
        lambda: Decision.objects.create(meeting=meeting, proposal=proposal, outcome=Decision.Outcome.AGREED),
    )
    for outcome in (Decision.Outcome.DEFERRED, Decision.Outcome.REJECTED):
        rejects(
            "meetings_decision_reason_when_deferred_or_rejected",
            lambda outcome=outcome: Decision.objects.create(meeting=meeting, proposal=other, outcome=outcome),
        )
    rejects(
        "meetings_decision_merged_has_target",
        lambda: Decision.objects.create(meeting=meeting, proposal=other, outcome=Decision.Outcome.MERGED),
    )
    rejects(
        "meetings_decision_merged_has_target",
        lambda: Decision.objects.create(
            meeting=meeting, proposal=other, outcome=Decision.Outcome.AGREED, merged_into=proposal
        ),
    )
    rejects(
        "meetings_decision_not_merged_into_itself",
        lambda: Decision.objects.create(
            meeting=meeting, proposal=other, outcome=Decision.Outcome.MERGED, merged_into=other
        ),
    )
    rejects(
        "meetings_decision_agreed_volume_positive",
        lambda: Decision.objects.create(meeting=meeting, proposal=other, outcome="agreed", agreed_volume=0),
    )
    scheme = FundingSchemeFactory()
    DecisionFunding.objects.create(decision=decision, scheme=scheme, amount=1)
    rejects(
        "meetings_decisionfunding_one_per_scheme",
        lambda: DecisionFunding.objects.create(decision=decision, scheme=scheme, amount=2),
    )
    rejects(
        "meetings_decisionfunding_amount_not_negative",
        lambda: DecisionFunding.objects.create(decision=decision, scheme=FundingSchemeFactory(code="TP"), amount=-2),
    )
    rejects_amount(
        "meetings_decisionfunding_amount_at_most_max",
        lambda: DecisionFunding.objects.create(
            decision=decision, scheme=FundingSchemeFactory(code="DK"), amount=TOO_MUCH
        ),
    )
    rejects(
        "meetings_decision_text_fits_a_cell", lambda: Decision.objects.filter(pk=decision.pk).update(reason=TOO_LONG)
    )
