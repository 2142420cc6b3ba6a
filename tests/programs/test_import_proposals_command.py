"""`manage.py import_proposals FILE [--dry-run] [--user USERNAME]`."""

import io

import pytest
from django.core.management import CommandError, call_command

from programs.models import Proposal
from rakornis.models import AuditEntry
from tests.factories import FundingSchemeFactory, sub_activity, usulan_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def world(banjar, tapin, pupr_banjar, pupr_tapin):
    FundingSchemeFactory(code="APBD_KAB", order=2)
    sub_activity("1.03.10.2.01.0053")


def record(**overrides) -> dict:
    values = {
        "Tahun Anggaran": 2027,
        "Kode Kabupaten/Kota": "63.03",
        "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Banjar",
        "Kode Sub Kegiatan": "1.03.10.2.01.0053",
        "Nama Usulan": "Peningkatan Jalan Martapura - Astambul",
        "Volume": 2.5,
        "Satuan": "km",
        "Pagu APBD Kab/Kota": "1.500.000.000",
    }
    values.update(overrides)
    return values


@pytest.fixture
def workbook(tmp_path):
    def write(records: list[dict]):
        path = tmp_path / "usulan.xlsx"
        path.write_bytes(usulan_xlsx(records))
        return path

    return write


def run(*args) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_proposals", *[str(arg) for arg in args], stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_imports_and_reports(workbook, operator_banjar):
    stdout, _ = run(workbook([record(), record(**{"Nama Usulan": "Jalan Lain"})]), "--user", "operator.banjar")
    assert "2 usulan baru, 0 diubah, 0 tanpa perubahan" in stdout
    assert "Nomor baru: USL-2027-63.03-0001 s.d. USL-2027-63.03-0002" in stdout
    assert Proposal.objects.count() == 2
    assert set(AuditEntry.objects.values_list("action", "user__username")) == {("imported", "operator.banjar")}


def test_dry_run_saves_nothing(workbook):
    stdout, _ = run(workbook([record()]), "--dry-run")
    assert "Uji coba (--dry-run): tidak ada yang disimpan." in stdout
    assert not Proposal.objects.exists()


def test_every_error_is_printed_and_the_command_fails_saving_nothing(workbook):
    path = workbook(
        [
            record(),
            record(**{"Nama Usulan": "Jalan B", "Kode Sub Kegiatan": "1.03.10.2.01.9999"}),
            record(**{"Nama Usulan": "Jalan C", "Pagu APBD Kab/Kota": "-5"}),
        ]
    )
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="2 kesalahan; tidak ada yang disimpan."):
        call_command("import_proposals", str(path), stdout=io.StringIO(), stderr=stderr)
    assert stderr.getvalue().splitlines() == [
        "Baris 3, Kode Sub Kegiatan: kode 1.03.10.2.01.9999 tidak ada dalam nomenklatur",
        "Baris 4, Pagu APBD Kab/Kota: pagu tidak boleh negatif (Rp -5)",
    ]
    assert not Proposal.objects.exists()


def test_user_rights_apply(workbook, operator_tapin):
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_proposals", str(workbook([record()])), "--user", "operator.tapin", stderr=stderr)
    assert stderr.getvalue().startswith(
        "Baris 2, Kode Kabupaten/Kota: Anda hanya dapat mengimpor usulan Kabupaten Tapin (63.05)"
    )
    assert not Proposal.objects.exists()


def test_unknown_user_and_missing_file(workbook, tmp_path):
    with pytest.raises(CommandError, match="Pengguna 'siapa' tidak ditemukan"):
        run(workbook([record()]), "--user", "siapa")
    with pytest.raises(CommandError, match="berkas tidak ditemukan"):
        run(tmp_path / "tidak-ada.xlsx")


def test_a_file_that_is_not_xlsx(tmp_path):
    path = tmp_path / "usulan.csv"
    path.write_text("Tahun Anggaran;Kode\n2027;63.03\n")
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="1 kesalahan"):
        call_command("import_proposals", str(path), stderr=stderr)
    assert "Berkas CSV/teks tidak dapat diimpor" in stderr.getvalue()
