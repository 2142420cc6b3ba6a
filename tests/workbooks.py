"""Reading exports back in tests (openpyxl), and the data several export tests share."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from meetings.models import Decision
from programs.models import Proposal
from tests.factories import (
    DecisionFactory,
    DecisionFundingFactory,
    FundingSchemeFactory,
    MeetingFactory,
    funded_proposal,
)

WITA = ZoneInfo("Asia/Makassar")


def export_schemes():
    """APBD Prov, APBD Kab/Kota and BKP, in that order, by code."""
    return {
        code: FundingSchemeFactory(code=code, short_name=short, order=order)
        for order, (code, short) in enumerate(
            [("APBD_PROV", "APBD Prov"), ("APBD_KAB", "APBD Kab/Kota"), ("BKP", "BKP")], start=1
        )
    }


def sheet_table(content: bytes, sheet: str | None = None):
    """(worksheet, header row number, header, data rows) of an export, the header found by its first cell."""
    workbook = load_workbook(io.BytesIO(content))
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    rows = list(worksheet.iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if row[0] in ("No", "Kode"))
    return worksheet, header_index + 1, list(rows[header_index]), [list(row) for row in rows[header_index + 1 :]]


def column(header: list, rows: list[list], label: str) -> list:
    index = header.index(label)
    return [row[index] for row in rows]


def as_decimal(value) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def decided_in_two_meetings(schemes, banjar, tapin, pupr_banjar, pupr_tapin, pupr_kalsel):
    """Banjar: A agreed (APBD Kab 1 M), B agreed with changes (BKP 300 jt), F draft. Tapin: C agreed then rejected
    at a later meeting, E rejected then agreed (BKP 100 jt), D deferred. One 2028 proposal agreed in 2028."""
    january = MeetingFactory(organiser=pupr_kalsel, starts_at=datetime(2026, 1, 29, 9, tzinfo=WITA))
    march = MeetingFactory(organiser=pupr_kalsel, starts_at=datetime(2026, 3, 10, 9, tzinfo=WITA))

    def proposal(number, region, agency, status, amount=500_000_000, year=2027):
        return funded_proposal(
            number=number, region=region, agency=agency, status=status, amount=amount, fiscal_year=year
        )

    def decide(meeting, target, outcome, funding=None, **kwargs):
        if outcome in Decision.REASON_REQUIRED_OUTCOMES:
            kwargs.setdefault("reason", "Bukan kewenangan provinsi")
        decision = DecisionFactory(meeting=meeting, proposal=target, outcome=outcome, **kwargs)
        for code, amount in (funding or {}).items():
            DecisionFundingFactory(decision=decision, scheme=schemes[code], amount=Decimal(amount))
        return decision

    a = proposal("USL-2027-63.03-0001", banjar, pupr_banjar, Proposal.Status.AGREED)
    b = proposal("USL-2027-63.03-0002", banjar, pupr_banjar, Proposal.Status.AGREED_WITH_CHANGES)
    proposal("USL-2027-63.03-0003", banjar, pupr_banjar, Proposal.Status.DRAFT)
    c = proposal("USL-2027-63.05-0001", tapin, pupr_tapin, Proposal.Status.REJECTED)
    d = proposal("USL-2027-63.05-0002", tapin, pupr_tapin, Proposal.Status.DEFERRED)
    e = proposal("USL-2027-63.05-0003", tapin, pupr_tapin, Proposal.Status.AGREED)
    decide(january, a, Decision.Outcome.AGREED, {"APBD_KAB": 1_000_000_000})
    decide(january, b, Decision.Outcome.AGREED_WITH_CHANGES, {"BKP": 300_000_000})
    decide(january, c, Decision.Outcome.AGREED, {"APBD_KAB": 200_000_000})
    decide(march, c, Decision.Outcome.REJECTED)
    decide(january, d, Decision.Outcome.DEFERRED)
    decide(january, e, Decision.Outcome.REJECTED)
    decide(march, e, Decision.Outcome.AGREED, {"BKP": 100_000_000})
    later = proposal("USL-2028-63.03-0001", banjar, pupr_banjar, Proposal.Status.AGREED, year=2028)
    decide(MeetingFactory(organiser=pupr_kalsel, fiscal_year=2028), later, Decision.Outcome.AGREED, {"APBD_KAB": 9})
    return january, march
