from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from meetings.models import Decision
from programs.models import WorkPlan, WorkPlanItem
from rakornis.models import AuditEntry
from tests.factories import AgencyFactory, FundingSchemeFactory, MeetingFactory, agreed_proposal
from workplans.services import work_plan_finalise, work_plan_get_or_create, work_plan_sync

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def schemes():
    FundingSchemeFactory(code="APBD_PROV", name="APBD Provinsi", short_name="APBD Prov", order=1)
    FundingSchemeFactory(code="BKP", name="Bantuan Keuangan Provinsi", short_name="BKP", order=3)


@pytest.fixture
def agreed(pupr_kalsel, pupr_banjar, banjar):
    meeting = MeetingFactory(organiser=pupr_kalsel, fiscal_year=2027, starts_at=datetime(2026, 1, 29, 1, tzinfo=UTC))

    def make(funding: dict[str, int], **kwargs):
        kwargs.setdefault("region", banjar)
        kwargs.setdefault("agency", pupr_banjar)
        return agreed_proposal(funding=funding, executing_agency=pupr_kalsel, meeting=meeting, **kwargs)

    return make


def run(*args: str) -> str:
    out = StringIO()
    call_command("sync_renja", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_dry_run_prints_the_lines_in_rupiah_and_writes_nothing(agreed):
    proposal = agreed({"APBD_PROV": 1_500_000_000, "BKP": 500_000_000}, location="Ruas Martapura - Astambul")

    out = run("--year", "2027", "--agency", "dinas pupr prov. kalsel", "--dry-run")

    assert "Renja Dinas PUPR Prov. Kalsel TA 2027 (belum ada, akan dibuat)" in out
    assert "Ditambah (1 baris):" in out
    assert "+ 1.03.10.2.01.0053 Pembangunan Jalan — Kabupaten Banjar" in out
    assert "APBD Prov Rp 1.500.000.000; BKP Rp 500.000.000 (jumlah Rp 2.000.000.000)" in out
    assert f"target 2,5 km; usulan {proposal.number}" in out
    assert "Uji coba (--dry-run): tidak ada yang disimpan." in out
    assert not WorkPlan.objects.exists()
    assert not WorkPlanItem.objects.exists()


def test_the_command_applies_by_full_name_and_a_second_run_changes_nothing(agreed, pupr_kalsel):
    agreed({"APBD_PROV": 1_500_000_000})

    out = run("--year", "2027", "--agency", pupr_kalsel.name.upper())
    again = run("--year", "2027", "--agency", "Dinas PUPR Prov. Kalsel")

    assert "Tersimpan: 1 baris ditambah, 0 diubah, 0 dihapus, 0 tetap." in out
    work_plan = WorkPlan.objects.get(agency=pupr_kalsel, fiscal_year=2027)
    assert WorkPlanItem.objects.filter(work_plan=work_plan).count() == 1
    assert "Renja sudah sesuai kesepakatan rapat; tidak ada yang diubah." in again
    assert "Tidak berubah: 1 baris." in again
    assert AuditEntry.objects.for_object(work_plan).filter(action=AuditEntry.Action.SYNCED).count() == 1


def test_the_preview_shows_changed_amounts_old_to_new_and_removed_lines(agreed, pupr_kalsel, tapin, pupr_tapin):
    kept = agreed({"APBD_PROV": 1_500_000_000})
    dropped = agreed({"APBD_PROV": 700_000_000}, region=tapin, agency=pupr_tapin)
    work_plan, _ = work_plan_get_or_create(agency=pupr_kalsel, fiscal_year=2027)
    work_plan_sync(work_plan=work_plan, user=None)
    Decision.objects.filter(proposal=kept).get().funding_lines.update(amount=Decimal(1_200_000_000))
    Decision.objects.filter(proposal=dropped).update(outcome=Decision.Outcome.DEFERRED, reason="DED belum ada")

    out = run("--year", "2027", "--agency", "Dinas PUPR Prov. Kalsel", "--dry-run")

    assert "Renja Dinas PUPR Prov. Kalsel TA 2027 (Draf)" in out
    assert "~ 1.03.10.2.01.0053 Pembangunan Jalan — Kabupaten Banjar" in out
    assert "APBD Prov: Rp 1.500.000.000 -> Rp 1.200.000.000" in out
    assert "Dihapus (1 baris, tidak ada lagi usulan yang disepakati):" in out
    assert (
        f"- 1.03.10.2.01.0053 Pembangunan Jalan — Kabupaten Tapin: APBD Prov Rp 700.000.000; usulan {dropped.number}"
        in (out)
    )
    assert "Total pagu Rp 2.200.000.000 -> Rp 1.200.000.000." in out
    assert WorkPlanItem.objects.filter(work_plan=work_plan).count() == 2


def test_an_unknown_agency_is_refused_with_candidates(agreed, pupr_kalsel, pupr_banjar):
    agreed({"APBD_PROV": 1_500_000_000})

    with pytest.raises(CommandError) as alike:
        run("--year", "2027", "--agency", "Dinas PUPR")
    with pytest.raises(CommandError) as unlike:
        run("--year", "2027", "--agency", "Bappeda")

    assert str(alike.value) == (
        "Instansi 'Dinas PUPR' tidak ditemukan. Mungkin maksud Anda:"
        f"\n  Dinas PUPR Kab. Banjar ({pupr_banjar.name})"
        f"\n  Dinas PUPR Prov. Kalsel ({pupr_kalsel.name})"
    )
    assert str(unlike.value) == (
        "Instansi 'Bappeda' tidak ditemukan. Pelaksana kesepakatan TA 2027:"
        f"\n  Dinas PUPR Prov. Kalsel ({pupr_kalsel.name})"
    )
    assert not WorkPlan.objects.exists()


def test_an_ambiguous_agency_is_refused_with_candidates():
    AgencyFactory(short_name="Disperkim", name="Dinas Perumahan Kab. Banjar")
    AgencyFactory(short_name="Perkim Kalsel", name="Disperkim")

    with pytest.raises(CommandError) as refusal:
        run("--year", "2027", "--agency", "disperkim")

    assert str(refusal.value) == (
        "Instansi 'disperkim' ambigu; pilih salah satu:"
        "\n  Disperkim (Dinas Perumahan Kab. Banjar)"
        "\n  Perkim Kalsel (Disperkim)"
    )


def test_a_final_work_plan_exits_with_the_locked_message_and_nothing_changes(agreed, pupr_kalsel, planner):
    agreed({"APBD_PROV": 1_500_000_000})
    work_plan, _ = work_plan_get_or_create(agency=pupr_kalsel, fiscal_year=2027)
    work_plan_finalise(work_plan=work_plan, user=planner)

    with pytest.raises(CommandError) as refusal:
        run("--year", "2027", "--agency", "Dinas PUPR Prov. Kalsel")

    assert str(refusal.value) == "Renja Dinas PUPR Prov. Kalsel TA 2027 sudah final dan terkunci; sinkronisasi ditolak."
    assert not WorkPlanItem.objects.exists()


def test_a_locked_work_plan_exits_non_zero_from_the_shell(agreed, pupr_kalsel, planner, capsys):
    agreed({"APBD_PROV": 1_500_000_000})
    work_plan, _ = work_plan_get_or_create(agency=pupr_kalsel, fiscal_year=2027)
    work_plan_finalise(work_plan=work_plan, user=planner)

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(
            ["manage.py", "sync_renja", "--year", "2027", "--agency", "Dinas PUPR Prov. Kalsel"]
        ).execute()

    assert exit_info.value.code == 1
    assert "sudah final dan terkunci; sinkronisasi ditolak." in capsys.readouterr().err


def test_the_audit_entry_names_the_user_given(agreed, planner, pupr_kalsel):
    agreed({"APBD_PROV": 1_500_000_000})

    run("--year", "2027", "--agency", "Dinas PUPR Prov. Kalsel", "--user", planner.username)

    work_plan = WorkPlan.objects.get(agency=pupr_kalsel)
    assert AuditEntry.objects.for_object(work_plan).filter(action=AuditEntry.Action.SYNCED).get().user == planner


def test_a_dry_run_on_a_final_work_plan_shows_the_drift_then_refuses(agreed, pupr_kalsel, planner):
    work_plan, _ = work_plan_get_or_create(agency=pupr_kalsel, fiscal_year=2027)
    work_plan_finalise(work_plan=work_plan, user=planner)
    agreed({"APBD_PROV": 1_500_000_000})
    out = StringIO()

    with pytest.raises(CommandError, match="sudah final dan terkunci; sinkronisasi ditolak"):
        call_command("sync_renja", "--year", "2027", "--agency", "Dinas PUPR Prov. Kalsel", "--dry-run", stdout=out)

    assert "Renja Dinas PUPR Prov. Kalsel TA 2027 (Final (terkunci))" in out.getvalue()
    assert "Ditambah (1 baris):" in out.getvalue()
    assert not WorkPlanItem.objects.exists()
