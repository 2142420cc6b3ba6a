"""A nomenclature list loaded from a decree: the decree recorded, dropped codes retired (kept on old proposals, no
longer offered), the supporting program X.XX spread into every bidang, two name columns, pre-2021 lists refused, old
codes mapped to new ones. Through `manage.py load_reference_data --nomenclature FILE --decree ... --decree-date ...`,
as an administrator runs it."""

import datetime
import importlib
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from programs.models import Nomenclature, NomenclatureDecree, NomenclatureMapping
from tests.factories import ProposalFactory, sub_activity

pytestmark = pytest.mark.django_db

# bench/ holds scripts, not a package of the application: its list generator is imported by name.
bench = importlib.import_module("bench.nomenclature_bench")

FIRST = ("Kepmendagri 050-5889/2021", "2021-10-28")
SECOND = ("Kepmendagri 900.1.15.5-1317/2023", "2023-02-27")


def load(path: Path, decree: tuple[str, str] = FIRST, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "load_reference_data",
        "--nomenclature",
        str(path),
        "--decree",
        decree[0],
        "--decree-date",
        decree[1],
        *extra,
        stdout=out,
    )
    return out.getvalue()


def csv_file(tmp_path: Path, text: str, name: str = "lampiran.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEAD = "kode,level,nama\n1,urusan,Urusan Wajib Pelayanan Dasar\n1.03,bidang_urusan,Bidang PUPR\n"
ROAD_PROGRAM = "1.03.10,program,Program Penyelenggaraan Jalan\n1.03.10.2.01,kegiatan,Penyelenggaraan Jalan Kabupaten\n"


def test_a_decree_list_records_its_decree_and_every_code_it_lists(tmp_path):
    path = csv_file(tmp_path, HEAD + ROAD_PROGRAM + "1.03.10.2.01.0055,sub_kegiatan,Rehabilitasi Jalan\n")
    out = load(path)
    decree = NomenclatureDecree.objects.get()
    assert (decree.number, decree.date, decree.source_file) == (FIRST[0], datetime.date(2021, 10, 28), "lampiran.csv")
    assert decree.row_count == 5
    assert set(Nomenclature.objects.filter(decree=decree).values_list("code", flat=True)) >= {"1.03.10.2.01.0055"}
    assert "Nomenklatur: " in out and "menurut Kepmendagri 050-5889/2021" in out


def test_a_second_decree_retires_the_codes_it_dropped_and_old_proposals_keep_theirs(tmp_path):
    first = csv_file(
        tmp_path,
        HEAD
        + ROAD_PROGRAM
        + "1.03.10.2.01.0053,sub_kegiatan,Pembangunan Jalan\n1.03.10.2.01.0055,sub_kegiatan,Rehabilitasi Jalan\n",
        "first.csv",
    )
    load(first)
    dropped = Nomenclature.objects.get(code="1.03.10.2.01.0053")
    proposal = ProposalFactory(sub_activity=dropped)
    second = csv_file(tmp_path, HEAD + ROAD_PROGRAM + "1.03.10.2.01.0055,sub_kegiatan,Rehabilitasi Jalan\n", "2.csv")
    out = load(second, SECOND)
    dropped.refresh_from_db()
    assert not dropped.is_active
    assert dropped.retired_by.number == SECOND[0]
    assert "1 kode tidak lagi berlaku menurut Kepmendagri 900.1.15.5-1317/2023" in out
    # Kept, on the proposal that carries it; no longer offered.
    proposal.refresh_from_db()
    assert proposal.sub_activity == dropped
    assert list(Nomenclature.objects.sub_activities().active().values_list("code", flat=True)) == ["1.03.10.2.01.0055"]
    assert NomenclatureDecree.objects.get(number=SECOND[0]).retired_count == 1
    # A code the next list names again is in force again.
    load(first, ("Kepmendagri 900.1.15.5-2000/2024", "2024-05-01"))
    dropped.refresh_from_db()
    assert dropped.is_active and dropped.retired_by is None


def test_the_shipped_partial_list_does_not_bring_retired_codes_back(tmp_path):
    call_command("load_reference_data", stdout=io.StringIO())
    path = csv_file(tmp_path, HEAD + ROAD_PROGRAM + "1.03.10.2.01.0055,sub_kegiatan,Rehabilitasi Jalan\n")
    load(path)
    shipped_only = Nomenclature.objects.get(code="1.03.02.1.01.0009")  # in the shipped list, not in this decree
    assert not shipped_only.is_active
    call_command("load_reference_data", stdout=io.StringIO())
    shipped_only.refresh_from_db()
    assert not shipped_only.is_active


def test_an_older_decree_after_a_newer_one_is_refused_and_changes_nothing(tmp_path, capsys):
    path = csv_file(tmp_path, HEAD + ROAD_PROGRAM + "1.03.10.2.01.0055,sub_kegiatan,Rehabilitasi Jalan\n")
    load(path, SECOND)
    older = csv_file(tmp_path, HEAD + ROAD_PROGRAM + "1.03.10.2.01.0053,sub_kegiatan,Pembangunan Jalan\n", "old.csv")
    with pytest.raises(CommandError, match="tidak ada yang disimpan"):
        load(older, FIRST)
    assert "lebih lama dari Kepmendagri 900.1.15.5-1317/2023" in capsys.readouterr().err
    assert not Nomenclature.objects.filter(code="1.03.10.2.01.0053").exists()
    assert Nomenclature.objects.get(code="1.03.10.2.01.0055").is_active


def test_the_supporting_program_written_x_xx_is_spread_into_every_bidang(tmp_path):
    path = csv_file(
        tmp_path,
        "kode,level,nama\n1,urusan,Urusan Wajib\n1.03,bidang_urusan,Bidang PUPR\n1.04,bidang_urusan,Bidang PKP\n"
        "5,urusan,Unsur Penunjang\n5.01,bidang_urusan,Perencanaan\n"
        "X.XX.01,program,Program Penunjang Urusan Pemerintahan Daerah Provinsi\n"
        'X.XX.01.1.01,kegiatan,"Perencanaan, Penganggaran, dan Evaluasi Kinerja Perangkat Daerah"\n'
        "x.xx.01.1.01.0001,sub_kegiatan,Penyusunan Dokumen Perencanaan Perangkat Daerah\n",
    )
    out = load(path)
    for sector in ("1.03", "1.04", "5.01"):
        node = Nomenclature.objects.get(code=f"{sector}.01.1.01.0001")
        assert node.name == "Penyusunan Dokumen Perencanaan Perangkat Daerah"
        assert node.parent.code == f"{sector}.01.1.01"
        assert node.parent.parent.code == f"{sector}.01"
    assert not Nomenclature.objects.filter(code__startswith="X").exists()
    assert "9 kode program penunjang X.XX disebar ke setiap bidang urusan" in out


def test_a_supporting_row_the_list_also_writes_out_keeps_its_own_name(tmp_path):
    path = csv_file(
        tmp_path,
        HEAD + "X.XX.01,program,Program Penunjang\n1.03.01,program,Program Penunjang Bidang PUPR (tertulis)\n",
    )
    load(path)
    assert Nomenclature.objects.get(code="1.03.01").name == "Program Penunjang Bidang PUPR (tertulis)"


def test_provincial_and_kabupaten_kota_names_are_both_kept(tmp_path):
    path = csv_file(
        tmp_path,
        "kode,level,nama_provinsi,nama_kabupaten_kota\n1,urusan,Urusan Wajib,Urusan Wajib\n"
        "1.03,bidang_urusan,Bidang PUPR,\n"
        "1.03.02,program,Program Pengelolaan SDA Lintas Kabupaten/Kota,Program Pengelolaan SDA\n"
        "1.03.02.2.01,kegiatan,,Pengelolaan SDA dalam 1 Daerah Kabupaten/Kota\n",
    )
    load(path)
    program = Nomenclature.objects.get(code="1.03.02")
    assert (program.name, program.regency_name) == (
        "Program Pengelolaan SDA Lintas Kabupaten/Kota",
        "Program Pengelolaan SDA",
    )
    assert program.name_for("1") == "Program Pengelolaan SDA Lintas Kabupaten/Kota"
    assert program.name_for("2") == "Program Pengelolaan SDA"
    # Where the names agree, or only one tree names the code, one name is kept.
    assert Nomenclature.objects.get(code="1").regency_name == ""
    kegiatan = Nomenclature.objects.get(code="1.03.02.2.01")
    assert (kegiatan.name, kegiatan.regency_name) == ("Pengelolaan SDA dalam 1 Daerah Kabupaten/Kota", "")


def test_a_pre_2021_list_with_two_digit_sub_kegiatan_is_refused_with_a_message_that_says_so(tmp_path, capsys):
    path = csv_file(
        tmp_path,
        HEAD + ROAD_PROGRAM + "1.03.10.2.01.09,sub_kegiatan,Rehabilitasi Jalan\n"
        "1.03.10.2.01.01,sub_kegiatan,Pembangunan Jalan\n",
    )
    with pytest.raises(CommandError, match="tidak ada yang disimpan"):
        load(path)
    err = capsys.readouterr().err
    assert "kode sub kegiatan dua digit (2 baris, pertama baris 6, kode 1.03.10.2.01.09)" in err
    assert "sebelum Kepmendagri 050-5889/2021" in err
    assert "empat digit (mis. 1.03.10.2.01.0055)" in err
    # One message, not one "bentuk kode salah" per row.
    assert "bentuk kode salah" not in err
    assert not Nomenclature.objects.exists() and not NomenclatureDecree.objects.exists()


def test_old_codes_map_to_new_ones_from_the_kode_lama_column(tmp_path):
    old = sub_activity("1.03.10.2.01.0009", "Rehabilitasi Jalan (lama)")  # a code of the previous decree
    proposal = ProposalFactory(sub_activity=old)
    path = csv_file(
        tmp_path,
        "kode,level,nama,kode_lama\n1,urusan,Urusan Wajib,\n1.03,bidang_urusan,Bidang PUPR,\n"
        "1.03.10,program,Program Penyelenggaraan Jalan,\n1.03.10.2.01,kegiatan,Penyelenggaraan Jalan Kabupaten,\n"
        "1.03.10.2.01.0055,sub_kegiatan,Rehabilitasi Jalan,1.03.10.2.01.0009\n"
        "1.03.10.2.01.0056,sub_kegiatan,Rekonstruksi Jalan,1.03.10.2.01.0008\n",  # 0008 was never loaded here
    )
    out = load(path)
    mapping = NomenclatureMapping.objects.get()
    assert (mapping.old.code, mapping.new.code, mapping.decree.number) == (
        "1.03.10.2.01.0009",
        "1.03.10.2.01.0055",
        FIRST[0],
    )
    assert "1 pemetaan kode lama -> baru" in out
    assert "1 pemetaan dilewati (kode lama tidak pernah dimuat: 1.03.10.2.01.0008)" in out
    # The proposal keeps its code; the old code is retired by the decree.
    proposal.refresh_from_db()
    assert proposal.sub_activity.code == "1.03.10.2.01.0009"
    assert not proposal.sub_activity.is_active
    # Loading the same decree again records nothing twice.
    load(path)
    assert NomenclatureMapping.objects.count() == 1


def test_a_mapping_file_maps_old_codes_and_a_bad_one_is_refused_whole(tmp_path, capsys):
    sub_activity("1.03.10.2.01.0009", "Rehabilitasi Jalan (lama)")
    path = csv_file(tmp_path, HEAD + ROAD_PROGRAM + "1.03.10.2.01.0055,sub_kegiatan,Rehabilitasi Jalan\n", "daftar.csv")
    mapping = csv_file(tmp_path, "Kode Lama,Kode Baru\n1.03.10.2.01.0009,1.03.10.2.01.0055\n", "peta.csv")
    load(path, FIRST, "--mapping", str(mapping))
    assert NomenclatureMapping.objects.get().new.code == "1.03.10.2.01.0055"

    bad = csv_file(
        tmp_path,
        "kode_lama,kode_baru\n1.03.10.2.01.0009,1.03.10.2.01.0999\n1.03.10.2.01.0055,1.03.10.2.01.0055\n,1.03\n",
        "salah.csv",
    )
    with pytest.raises(CommandError, match="tidak ada yang disimpan"):
        load(path, SECOND, "--mapping", str(bad))
    err = capsys.readouterr().err
    assert "salah.csv baris 2, pemetaan 1.03.10.2.01.0009 -> 1.03.10.2.01.0999: kode baru" in err
    assert "salah.csv baris 3, pemetaan 1.03.10.2.01.0055 -> 1.03.10.2.01.0055: kode lama sama dengan kode baru" in err
    assert "salah.csv baris 4, pemetaan (kosong) -> 1.03: kode lama dan kode baru wajib diisi" in err
    assert not NomenclatureDecree.objects.filter(number=SECOND[0]).exists()


def test_a_complete_list_without_its_decree_is_refused_with_the_options_to_add(tmp_path, capsys):
    path = csv_file(tmp_path, HEAD)
    with pytest.raises(CommandError):
        call_command("load_reference_data", "--nomenclature", str(path))
    assert '--decree "Kepmendagri 900.1.15.5-1317/2023" --decree-date' in capsys.readouterr().err
    with pytest.raises(CommandError, match="TTTT-BB-HH"):
        call_command("load_reference_data", "--nomenclature", str(path), "--decree", "K", "--decree-date", "27/02/23")
    assert not Nomenclature.objects.exists()


def test_a_generated_complete_list_loads_and_the_next_decree_retires_and_maps(tmp_path):
    """The bench's generator at a tenth of its size (bench/nomenclature_bench.py measures the full 17,000 rows)."""
    first = bench.write_csv(tmp_path / "a.csv", bench.complete_list(programs=2, activities=1, sub_activities=2))
    second_rows = bench.complete_list(programs=2, activities=1, sub_activities=2, next_decree=True)
    second = bench.write_csv(tmp_path / "b.csv", second_rows)
    load(first)
    in_force = set(Nomenclature.objects.sub_activities().active().values_list("code", flat=True))
    assert "1.03.02.1.01.0001" in in_force and "1.03.01.2.10.0008" in in_force  # a spread supporting code
    load(second, SECOND)
    dropped = {row[7] for row in second_rows if row[7]}
    assert dropped and all(code in in_force for code in dropped)
    retired = set(Nomenclature.objects.filter(retired_by__number=SECOND[0]).values_list("code", flat=True))
    assert retired == dropped
    assert NomenclatureMapping.objects.count() == len(dropped)
