from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from agencies.models import Agency, Region
from agencies.services import read_agency_rows
from programs.models import FundingScheme, Nomenclature
from rakornis.loading import ReferenceDataError

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        **{level: Region.objects.filter(level=level).count() for level in Region.Level.values},
        "nomenclature": Nomenclature.objects.count(),
        "schemes": FundingScheme.objects.count(),
        "agencies": Agency.objects.count(),
    }


@pytest.fixture
def loaded():
    call_command("load_reference_data", stdout=open("/dev/null", "w"))


def test_loads_every_region_level_with_kemendagri_counts(loaded):
    counts = _counts()
    assert counts[Region.Level.PROVINCE] == 38
    assert counts[Region.Level.REGENCY] == 514
    assert counts[Region.Level.DISTRICT] == 7285
    assert counts[Region.Level.VILLAGE] == 3587
    banjar = Region.objects.get(code="63.03")
    assert banjar.name == "Kabupaten Banjar"
    assert banjar.parent.code == "63"
    assert Region.objects.get(code="63.03.01").parent == banjar


def test_loads_schemes_nomenclature_and_agencies(loaded):
    assert FundingScheme.objects.count() == 10
    assert list(FundingScheme.objects.values_list("code", flat=True)[:3]) == ["APBD_PROV", "APBD_KAB", "BKP"]
    road = Nomenclature.objects.get(code="1.03.10.2.01.0053")
    assert road.level == Nomenclature.Level.SUB_ACTIVITY
    assert road.government_level == Nomenclature.GovernmentLevel.REGENCY
    assert road.parent.code == "1.03.10.2.01"
    assert road.parent.parent.code == "1.03.10"
    for short_name in [
        "Dinas PUPR Prov. Kalsel",
        "Disperkim Prov. Kalsel",
        "Dinas PUPR Kab. Banjar",
        "Disperkim Kota Banjarmasin",
        "BPJN Kalimantan Selatan",
        "BWS Kalimantan III",
        "BPPW Kalimantan Selatan",
        "Dinas PUPR Prov. Kalteng",
        "ITS Surabaya",
    ]:
        assert Agency.objects.filter(short_name=short_name).exists(), short_name
    # A Dinas PUPR and a Disperkim for each of the 13 + 14 kabupaten/kota of Kalsel and Kalteng.
    assert Agency.objects.filter(level=Agency.Level.REGENCY).count() == 2 * (13 + 14)
    assert Agency.objects.get(short_name="Dinas PUPR Kab. Tapin").region.code == "63.05"


def test_second_run_changes_nothing(loaded, capsys):
    before = _counts()
    names = dict(Region.objects.values_list("code", "name"))
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert _counts() == before
    assert dict(Region.objects.values_list("code", "name")) == names
    assert " 0 baru, 0 diubah" in out
    assert "baru, 1" not in out and all(" 0 baru, 0 diubah" in line for line in out.splitlines()[:-1])


def test_a_renamed_region_is_set_back_on_the_next_run(loaded):
    Region.objects.filter(code="63.03").update(name="Banjar (salah ketik)")
    call_command("load_reference_data", stdout=open("/dev/null", "w"))
    assert Region.objects.get(code="63.03").name == "Kabupaten Banjar"


def test_an_agency_moved_and_a_scheme_renamed_are_set_back_on_the_next_run(loaded, capsys):
    Agency.objects.filter(short_name="Dinas PUPR Kab. Tapin").update(region=Region.objects.get(code="63.03"))
    scheme = FundingScheme.objects.order_by("order").first()
    FundingScheme.objects.filter(pk=scheme.pk).update(name="Salah ketik")
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert Agency.objects.get(short_name="Dinas PUPR Kab. Tapin").region.code == "63.05"
    assert FundingScheme.objects.get(pk=scheme.pk).name == scheme.name
    assert "Instansi: 0 baru, 1 diubah" in out
    assert "Skema pendanaan: 0 baru, 1 diubah" in out


def test_a_reference_csv_without_a_required_column_is_named(tmp_path):
    path = tmp_path / "instansi.csv"
    path.write_text("nama,tingkat,kode_wilayah\nDinas X,provinsi,63\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="instansi.csv: kolom singkatan tidak ada"):
        read_agency_rows(path)
    path.write_text("nama,singkatan,tingkat,kode_wilayah\nDinas X,DX,provinsi,63\n", encoding="utf-8")
    assert [row.description for row in read_agency_rows(path)] == [""]  # Keterangan may be left out


# A complete list is loaded with its decree (tests/programs/test_nomenclature_decrees.py has the decree's rules).
DECREE = ("--decree", "Kepmendagri 900.1.15.5-1317/2023", "--decree-date", "2023-02-27")


def _write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nomenklatur.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_official_nomenclature_file_upserts_names(loaded, tmp_path):
    path = _write_csv(
        tmp_path,
        "kode,level,nama,kinerja,indikator,satuan\n"
        "1.03.10.2.01.0053,sub_kegiatan,Pembangunan Jalan (resmi),Terbangunnya jalan,Panjang jalan,km\n"
        "1.03.10.2.01.0099,sub kegiatan,Sub Kegiatan Baru,,,\n",
    )
    call_command("load_reference_data", *DECREE, nomenclature=path, stdout=open("/dev/null", "w"))
    road = Nomenclature.objects.get(code="1.03.10.2.01.0053")
    assert (road.name, road.indicator, road.unit) == ("Pembangunan Jalan (resmi)", "Panjang jalan", "km")
    assert Nomenclature.objects.get(code="1.03.10.2.01.0099").parent.code == "1.03.10.2.01"
    # The shipped partial list never overwrites what an official list set.
    call_command("load_reference_data", stdout=open("/dev/null", "w"))
    assert Nomenclature.objects.get(code="1.03.10.2.01.0053").name == "Pembangunan Jalan (resmi)"


def test_xlsx_nomenclature_with_codes_stored_as_numbers(loaded, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Kode", "Level", "Nama"])
    sheet.append([2, "urusan", "Urusan Pemerintahan Wajib yang Tidak Berkaitan dengan Pelayanan Dasar"])
    sheet.append([2.1, "bidang_urusan", "Urusan Pemerintahan Bidang Contoh"])
    path = tmp_path / "nomenklatur.xlsx"
    workbook.save(path)
    call_command("load_reference_data", *DECREE, nomenclature=path, stdout=open("/dev/null", "w"))
    assert Nomenclature.objects.get(code="2.10").parent.code == "2"


def test_bad_nomenclature_file_is_rejected_whole_with_every_error(tmp_path, capsys):
    path = _write_csv(
        tmp_path,
        "kode,level,nama\n"
        "9,urusan,Urusan Uji\n"
        "9.01,bidang_urusan,Bidang Uji\n"
        "9.01.01.3.01,kegiatan,Kode pelaksana salah\n"
        "9.01.02.1.01.0001,sub_kegiatan,Anak tanpa induk\n"
        "9.01.01,kegiatan,Level tidak cocok\n"
        "9.01,bidang_urusan,Ganda\n"
        "9.02,tingkat_aneh,Level tidak dikenal\n",
    )
    with pytest.raises(CommandError, match="tidak ada yang disimpan"):
        call_command("load_reference_data", *DECREE, nomenclature=path)
    err = capsys.readouterr().err
    assert "Baris 4, kode 9.01.01.3.01: bentuk kode salah" in err
    assert "Baris 5, kode 9.01.02.1.01.0001: induk 9.01.02.1.01 tidak ada" in err
    assert "Baris 6, kode 9.01.01: kode ini berbentuk program, bukan kegiatan" in err
    assert "Baris 7, kode 9.01: kode ganda (sudah ada di baris 3)" in err
    assert "Baris 8, kode 9.02: level 'tingkat_aneh' tidak dikenal" in err
    # Nothing half-loaded: not the valid rows of the file, not even the regions of the same run.
    assert not Nomenclature.objects.filter(code__startswith="9").exists()
    assert Region.objects.count() == 0


def test_missing_columns_and_wrong_file_types_are_explained(tmp_path, capsys):
    no_level = _write_csv(tmp_path, "kode,nama\n1,Urusan\n")
    with pytest.raises(CommandError):
        call_command("load_reference_data", *DECREE, nomenclature=no_level)
    assert "kolom wajib tidak ada: level" in capsys.readouterr().err

    renamed = tmp_path / "bukan.xlsx"
    renamed.write_text("kode,level,nama\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_reference_data", *DECREE, nomenclature=renamed)
    assert "bukan berkas XLSX yang dapat dibaca" in capsys.readouterr().err

    with pytest.raises(CommandError):
        call_command("load_reference_data", *DECREE, nomenclature=tmp_path / "tidak-ada.csv")
    assert "berkas tidak ditemukan" in capsys.readouterr().err
    assert Nomenclature.objects.count() == 0
