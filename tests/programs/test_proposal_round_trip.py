"""The export of any data imports back with no change (issue 7): proposals that may overlap each other, a
carried-over proposal and its copy, Rp 0 lines, decimals and coordinates. Through the management commands a
planner runs, and through `proposal_import_parse` as the web page calls it."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from programs.models import FundingScheme, Proposal, ProposalFunding
from programs.services import proposal_carry_over
from programs.xlsx.exporters import proposal_export_workbook
from programs.xlsx.importer import RowAction, proposal_import_parse
from rakornis.models import AuditEntry
from tests.factories import ProposalFactory, ProposalFundingFactory, sub_activity, village

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference():
    call_command("load_reference_data", stdout=io.StringIO())


@pytest.fixture
def planning_data(reference, banjar, pupr_banjar, planner):
    """What real planning has and the old importer refused or changed on the way back."""
    schemes = {scheme.code: scheme for scheme in FundingScheme.objects.all()}
    road = sub_activity("1.03.10.2.01.0055")
    same = {
        "region": banjar,
        "agency": pupr_banjar,
        "sub_activity": road,
        "name": "Rehabilitasi Jalan Bakambat - Tanipah",
        "location": "Ruas Bakambat STA 0+000 s.d. 1+250",
    }
    musrenbang = ProposalFactory(number="USL-2027-63.03-0001", origin=Proposal.Origin.MUSRENBANG, **same)
    pokir = ProposalFactory(
        number="USL-2027-63.03-0002",
        origin=Proposal.Origin.POKIR,
        volume=Decimal("1.8"),
        latitude=Decimal("-3.412800"),
        longitude=Decimal("114.591000"),
        district=village("63.03.01.2001").parent,
        village=village("63.03.01.2001"),
        forward_volume=Decimal("1500"),
        forward_amount=Decimal(2_000_000_000),
        status=Proposal.Status.VERIFIED,
        **same,
    )
    ProposalFundingFactory(proposal=musrenbang, scheme=schemes["APBD_KAB"], amount=Decimal(1_500_000_000))
    ProposalFundingFactory(proposal=pokir, scheme=schemes["BKP"], amount=Decimal(750_000_000))
    # A line of Rp 0, as older data has it: it carries no money, and the import reads it as no line.
    ProposalFundingFactory(proposal=pokir, scheme=schemes["DAK_FISIK"], amount=Decimal(0))
    deferred = ProposalFactory(
        number="USL-2027-63.03-0003",
        region=banjar,
        agency=pupr_banjar,
        sub_activity=sub_activity("1.03.10.2.01.0053"),
        name="Pembangunan Jembatan Sungai Tabuk",
        location="Desa Sungai Tabuk",
        volume=Decimal("0.25"),
        status=Proposal.Status.DEFERRED,
    )
    ProposalFundingFactory(proposal=deferred, scheme=schemes["APBD_PROV"], amount=Decimal(3_000_000_000))
    copy = proposal_carry_over(proposal=deferred, user=planner)
    return {"musrenbang": musrenbang, "pokir": pokir, "deferred": deferred, "copy": copy}


def _state() -> list[tuple]:
    """Every proposal as a user sees it, with its funding lines and version."""
    return [
        (
            proposal.number,
            proposal.version,
            proposal.status,
            proposal.name,
            proposal.location,
            proposal.volume,
            proposal.latitude,
            proposal.longitude,
            sorted((line.scheme.code, line.amount) for line in proposal.funding_lines.all()),
        )
        for proposal in Proposal.objects.order_by("number").prefetch_related("funding_lines__scheme")
    ]


@pytest.mark.parametrize("year", [2027, 2028])
def test_export_and_import_commands_round_trip_with_no_change(tmp_path, planning_data, year):
    before, audits = _state(), AuditEntry.objects.count()
    path = tmp_path / f"usulan-{year}.xlsx"
    call_command("export_proposals", "--year", str(year), "--output", str(path), stdout=io.StringIO())
    out, err = io.StringIO(), io.StringIO()
    call_command("import_proposals", str(path), stdout=out, stderr=err)
    count = Proposal.objects.filter(fiscal_year=year).count()
    assert f"0 usulan baru, 0 diubah, {count} tanpa perubahan" in out.getvalue()
    assert "Tersimpan: 0 usulan baru, 0 diubah" in out.getvalue()
    assert (_state(), AuditEntry.objects.count()) == (before, audits)
    if year == 2027:
        # The two proposals that may overlap are named in warnings, each with the other's number.
        assert "kemungkinan tumpang tindih dengan USL-2027-63.03-0002" in err.getvalue()
        assert "kemungkinan tumpang tindih dengan USL-2027-63.03-0001" in err.getvalue()


def test_the_web_import_of_an_export_changes_nothing_and_lists_the_overlaps(planning_data, operator_banjar):
    musrenbang, pokir = planning_data["musrenbang"], planning_data["pokir"]
    for year in (2027, 2028):
        content = proposal_export_workbook(Proposal.objects.for_user(operator_banjar).for_year(year))
        result = proposal_import_parse(file=content, user=operator_banjar)
        assert [str(issue) for issue in result.errors] == []
        assert {row.action for row in result.rows} == {RowAction.UNCHANGED}
        assert result.summary().startswith("0 usulan baru, 0 diubah")
    result = proposal_import_parse(file=proposal_export_workbook(Proposal.objects.for_year(2027)), user=operator_banjar)
    overlaps = {row.number: [overlap.number for overlap in row.overlaps] for row in result.overlapping}
    assert overlaps == {musrenbang.number: [pokir.number], pokir.number: [musrenbang.number]}
    # A Rp 0 line is no line: it is neither exported as money nor "changed" on the way back.
    assert ProposalFunding.objects.filter(proposal=pokir, amount=0).exists()


def test_demo_data_round_trips(tmp_path, reference):
    call_command("seed_demo", "--seed", "7", "--proposals", "60", stdout=io.StringIO())
    before, audits = _state(), AuditEntry.objects.count()
    for year in sorted(set(Proposal.objects.values_list("fiscal_year", flat=True))):
        path = tmp_path / f"demo-{year}.xlsx"
        call_command("export_proposals", "--year", str(year), "--output", str(path), stdout=io.StringIO())
        out = io.StringIO()
        call_command("import_proposals", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
        assert "0 usulan baru, 0 diubah," in out.getvalue(), year
    assert (_state(), AuditEntry.objects.count()) == (before, audits)
