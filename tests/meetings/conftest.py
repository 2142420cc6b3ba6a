"""Shared pieces of the meeting tests: a Kalsel meeting, the funding schemes, and verified proposals."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agencies.models import Agency
from tests.factories import AgencyFactory, FundingSchemeFactory, MeetingFactory, province, verified_proposal

WITA = ZoneInfo("Asia/Makassar")


@pytest.fixture
def schemes():
    return {
        code: FundingSchemeFactory(code=code, name=name, short_name=short, order=order)
        for order, (code, name, short) in enumerate(
            [
                ("APBD_PROV", "APBD Provinsi", "APBD Prov"),
                ("APBD_KAB", "APBD Kabupaten/Kota", "APBD Kab/Kota"),
                ("BKP", "Bantuan Keuangan Provinsi", "BKP"),
            ],
            start=1,
        )
    }


@pytest.fixture
def meeting(pupr_kalsel):
    return MeetingFactory(
        title="Rakornis Dinas PUPR Kalsel 2026",
        organiser=pupr_kalsel,
        starts_at=datetime(2026, 1, 29, 9, 0, tzinfo=WITA),
        ends_at=datetime(2026, 1, 29, 16, 0, tzinfo=WITA),
        venue="Anjungan Kalimantan Selatan TMII",
        city="Jakarta",
        fiscal_year=2027,
        purpose="Menyelaraskan program antartingkat pemerintahan untuk Renja TA 2027.",
    )


@pytest.fixture
def kalteng_agency():
    return AgencyFactory(
        name="Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Kalimantan Tengah",
        short_name="Dinas PUPR Prov. Kalteng",
        level=Agency.Level.PROVINCIAL,
        region=province("62", "Kalimantan Tengah"),
    )


@pytest.fixture
def kalteng_meeting(kalteng_agency):
    return MeetingFactory(title="Rakortekrenbang Kalteng 2025", organiser=kalteng_agency)


@pytest.fixture
def banjar_proposal(banjar, pupr_banjar, schemes):
    return verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1_500_000_000}, number="USL-2027-63.03-0001")


@pytest.fixture
def tapin_proposal(tapin, pupr_tapin, schemes):
    return verified_proposal(
        tapin, pupr_tapin, {"APBD_PROV": 2_000_000_000, "BKP": 500_000_000}, number="USL-2027-63.05-0001"
    )
