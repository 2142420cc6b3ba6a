"""The proposal workbook import: every rule of shared/spec/usulan-xlsx.md, and nothing saved when anything fails."""

import io
import re
import zipfile
from decimal import Decimal

import pytest

from agencies.models import Agency, Region
from programs.models import FundingScheme, Nomenclature, Proposal, ProposalFunding
from programs.xlsx.importer import (
    ProposalImportError,
    RowAction,
    parse_number,
    proposal_import_apply,
    proposal_import_parse,
)
from rakornis.models import AuditEntry
from tests.factories import (
    AgencyFactory,
    FundingSchemeFactory,
    ProposalFactory,
    StaffRoleFactory,
    UserFactory,
    district,
    funded_proposal,
    regency,
    sub_activity,
    usulan_xlsx,
    village,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

SUB = "1.03.10.2.01.0053"


@pytest.fixture(autouse=True)
def world(banjar, tapin, pupr_banjar, pupr_tapin):
    """Two kabupaten with their Dinas PUPR, a kecamatan and desa of Banjar, a sub kegiatan and three schemes."""
    for order, code in enumerate(["APBD_PROV", "APBD_KAB", "BKP"], start=1):
        FundingSchemeFactory(code=code, order=order)
    sub_activity(SUB, "Peningkatan Jalan")
    village("63.03.01.2001", "Desa Uji")
    district("63.05.01", "Binuang")


def record(**overrides) -> dict:
    """One valid row, by column label."""
    values = {
        "Tahun Anggaran": 2027,
        "Kode Kabupaten/Kota": "63.03",
        "Kabupaten/Kota": "Kabupaten Banjar",
        "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Banjar",
        "Kode Sub Kegiatan": SUB,
        "Nama Usulan": "Peningkatan Jalan Martapura - Astambul",
        "Lokasi": "Ruas Martapura - Astambul STA 0+000 s.d. 2+500",
        "Volume": 2.5,
        "Satuan": "km",
        "Pagu APBD Kab/Kota": 1_500_000_000,
        "Total Pagu": 1_500_000_000,
    }
    values.update(overrides)
    return values


def parse(content: bytes, user=None, name: str = "usulan.xlsx"):
    upload = io.BytesIO(content)
    upload.name = name
    return proposal_import_parse(file=upload, user=user)


def messages(result) -> list[str]:
    return [str(issue) for issue in result.errors]


def test_valid_rows_are_created_with_numbers_funding_and_audit(operator_banjar):
    content = usulan_xlsx(
        [
            record(),
            record(
                **{
                    "Nama Usulan": "Rehabilitasi Jembatan Sungai Tabuk",
                    "Pagu Bantuan Keuangan Provinsi": 250_000_000,
                    "Total Pagu": 1_750_000_000,
                }
            ),
        ]
    )
    result = parse(content, operator_banjar)
    assert messages(result) == []
    assert [row.action for row in result.rows] == [RowAction.CREATE, RowAction.CREATE]

    summary = proposal_import_apply(result=result, user=operator_banjar)

    assert summary.created == ["USL-2027-63.03-0001", "USL-2027-63.03-0002"]
    second = Proposal.objects.get(number="USL-2027-63.03-0002")
    assert second.status == Proposal.Status.DRAFT
    assert second.created_by == operator_banjar
    assert second.volume == Decimal("2.50")
    assert {line.scheme.code: line.amount for line in second.funding_lines.all()} == {
        "APBD_KAB": Decimal(1_500_000_000),
        "BKP": Decimal(250_000_000),
    }
    entry = AuditEntry.objects.for_object(second).get()
    assert entry.action == AuditEntry.Action.IMPORTED
    assert entry.user == operator_banjar
    assert entry.note == "Diimpor dari usulan.xlsx, baris 3."
    assert entry.changes["funding"] == [None, {"APBD_KAB": "1500000000", "BKP": "250000000"}]


def test_numbers_continue_the_kabupaten_series(operator_banjar, pupr_banjar, banjar):
    ProposalFactory(number="USL-2027-63.03-0007", region=banjar, agency=pupr_banjar)
    result = parse(usulan_xlsx([record()]), operator_banjar)
    assert proposal_import_apply(result=result, user=operator_banjar).created == ["USL-2027-63.03-0008"]


def test_title_rows_and_merged_cells_above_the_header_are_ignored(operator_banjar):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Usulan"
    sheet["A1"] = "DAFTAR USULAN PROGRAM/KEGIATAN TA 2027"
    sheet.merge_cells("A1:H1")
    sheet["A2"] = "Kabupaten Banjar"
    sheet.append([])
    header = list(record())
    sheet.append(header)
    sheet.append(list(record().values()))
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = parse(buffer.getvalue(), operator_banjar)

    assert messages(result) == []
    assert result.header_row == 4
    assert [row.row for row in result.rows] == [5]


def test_header_ignores_case_spacing_line_breaks_and_markers(operator_banjar):
    labels = {
        "Tahun Anggaran": "TAHUN  ANGGARAN *",
        "Kode Kabupaten/Kota": "Kode\nKabupaten/Kota*",
        "Pagu APBD Kab/Kota": "Pagu APBD Kab/Kota (Rp)",
        "Total Pagu": "total pagu (Rp) *",
        "Nama Usulan": " nama\u00a0usulan ",
    }
    row = record()
    header = [labels.get(label, label) for label in row]
    result = parse(xlsx_bytes([header, list(row.values())]), operator_banjar)
    assert messages(result) == []
    assert result.warnings == []
    assert len(result.to_create) == 1


def test_columns_in_any_order(operator_banjar):
    row = record()
    header = list(reversed(list(row)))
    result = parse(usulan_xlsx([row], header=header), operator_banjar)
    assert messages(result) == []
    assert result.to_create[0].values["name"] == "Peningkatan Jalan Martapura - Astambul"


def test_unknown_column_is_a_warning_not_an_error(operator_banjar):
    result = parse(usulan_xlsx([record(**{"Paraf Kabid": "ok"})]), operator_banjar)
    assert messages(result) == []
    assert [str(w) for w in result.warnings] == ["Baris 1, Paraf Kabid: kolom tidak dikenal, diabaikan"]
    assert len(result.to_create) == 1


def test_missing_required_column_is_an_error(operator_banjar):
    row = record()
    del row["Satuan"]
    result = parse(usulan_xlsx([row]), operator_banjar)
    assert messages(result) == ["Baris 1, Satuan: kolom wajib tidak ditemukan di baris judul kolom"]
    with pytest.raises(ProposalImportError):
        proposal_import_apply(result=result, user=operator_banjar)
    assert not Proposal.objects.exists()


def test_no_header_within_twenty_rows(operator_banjar):
    rows = [[f"catatan {n}"] for n in range(25)] + [list(record()), list(record().values())]
    result = parse(xlsx_bytes(rows), operator_banjar)
    assert len(result.errors) == 1
    assert "Baris judul kolom tidak ditemukan di 20 baris pertama" in messages(result)[0]


def test_usulan_sheet_is_read_when_it_is_not_the_first(operator_banjar):
    row = record()
    content = xlsx_bytes([list(row), list(row.values())], before=("Petunjuk",))
    result = parse(content, operator_banjar)
    assert result.sheet == "Usulan"
    assert len(result.to_create) == 1


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        ("1.500.000.000", Decimal(1_500_000_000)),
        ("Rp 1.500.000.000,00", Decimal(1_500_000_000)),
        ("Rp1.500.000.000", Decimal(1_500_000_000)),
        ("Rp. 1.500.000.000,-", Decimal(1_500_000_000)),
        ("1500000000", Decimal(1_500_000_000)),
        ("1,500,000,000", Decimal(1_500_000_000)),
        ("\u00a01.500.000.000 ", Decimal(1_500_000_000)),
    ],
)
def test_amounts_as_indonesian_text(operator_banjar, cell, amount):
    result = parse(
        usulan_xlsx([record(**{"Pagu APBD Kab/Kota": cell, "Total Pagu": "Rp 1.500.000.000", "Volume": "2,5"})]),
        operator_banjar,
    )
    assert messages(result) == []
    proposal_import_apply(result=result, user=operator_banjar)
    proposal = Proposal.objects.get()
    assert proposal.volume == Decimal("2.50")
    assert ProposalFunding.objects.get(proposal=proposal).amount == amount


def test_decimals_and_coordinates_typed_as_text_are_read_as_the_form_reads_them(operator_banjar):
    """The same parser as the proposal form (rakornis/numbers.py): `1,8` is 1.8, `-3,4128` is -3.4128."""
    row = record(
        **{
            "Volume": "1,8",
            "Latitude": "-3,4128",
            "Longitude": "114.591",
            "Prakiraan Maju Volume": "1.500",
            "Prakiraan Maju Pagu": "Rp 2.000.000.000",
        }
    )
    result = parse(usulan_xlsx([row]), operator_banjar)
    assert messages(result) == []
    proposal_import_apply(result=result, user=operator_banjar)
    proposal = Proposal.objects.get()
    assert (proposal.volume, proposal.latitude, proposal.longitude) == (
        Decimal("1.8"),
        Decimal("-3.4128"),
        Decimal("114.591"),
    )
    assert (proposal.forward_volume, proposal.forward_amount) == (Decimal(1500), Decimal(2_000_000_000))


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"Volume": "1,8,5"}, "Baris 2, Volume: '1,8,5' bukan angka yang dapat dibaca"),
        (
            {"Latitude": "-3.412,8", "Longitude": "114,59"},
            "Baris 2, Latitude: '-3.412,8' bukan angka yang dapat dibaca",
        ),
        ({"Prakiraan Maju Pagu": "2,5 miliar"}, "Baris 2, Prakiraan Maju Pagu: '2,5 miliar' bukan angka"),
    ],
)
def test_numbers_the_form_refuses_are_refused_with_the_same_message(operator_banjar, overrides, expected):
    result = parse(usulan_xlsx([record(**overrides)]), operator_banjar)
    assert messages(result) == [expected]
    with pytest.raises(ProposalImportError):
        proposal_import_apply(result=result, user=operator_banjar)
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("2,5", Decimal("2.5")),
        ("2.5", Decimal("2.5")),
        ("2.500", Decimal(2500)),
        ("0.125", Decimal("0.125")),
        ("1.250,75", Decimal("1250.75")),
        ("(1.000)", Decimal(-1000)),
        ("", None),
    ],
)
def test_number_notation(text, number):
    assert parse_number(text) == number


def test_codes_stored_as_numbers_are_read_back(operator_banjar, pupr_banjar):
    regency("63.10", "Kabupaten Uji Sepuluh")
    agency = AgencyFactory(short_name="Dinas PUPR Kab. Uji", region=Region.objects.get(code="63.10"))
    result = parse(
        usulan_xlsx(
            [
                record(**{"Kode Kabupaten/Kota": 63.03, "Tahun Anggaran": "2027"}),
                record(
                    **{
                        "Kode Kabupaten/Kota": 63.1,
                        "Kabupaten/Kota": "Kabupaten Uji Sepuluh",
                        "Perangkat Daerah Pengusul": agency.short_name,
                    }
                ),
            ]
        )
    )
    assert messages(result) == []
    assert [row.region.code for row in result.to_create] == ["63.03", "63.10"]


def test_blank_rows_and_numbered_empty_rows_are_skipped(operator_banjar):
    header = ["No", *record()]
    rows = [
        header,
        [1, *record().values()],
        [None] * len(header),
        [2],
        [3, " ", "\u00a0"],
        [4, *record(**{"Nama Usulan": "Jalan Lain"}).values()],
    ]
    result = parse(xlsx_bytes(rows), operator_banjar)
    assert messages(result) == []
    assert [row.row for row in result.to_create] == [2, 6]


def test_spaces_and_non_breaking_spaces_are_stripped(operator_banjar):
    result = parse(
        usulan_xlsx(
            [
                record(
                    **{
                        "Perangkat Daerah Pengusul": "  Dinas PUPR\u00a0Kab.  Banjar ",
                        "Kode Kabupaten/Kota": " 63.03\u00a0",
                        "Satuan": " km ",
                        "Nama Usulan": "\u00a0Peningkatan  Jalan ",
                    }
                )
            ]
        ),
        operator_banjar,
    )
    assert messages(result) == []
    assert result.to_create[0].values["name"] == "Peningkatan Jalan"
    assert result.to_create[0].values["unit"] == "km"


def _with_saved_values(content: bytes, saved: dict[str, str]) -> bytes:
    """`content` with a saved (cached) value added to the formula cells named in `saved`, as Excel writes them."""
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                for ref, value in saved.items():
                    text = re.sub(
                        rf'(<c r="{ref}"[^>]*>)<f>(.*?)</f><v\s*/?>(</v>)?',
                        rf"\1<f>\2</f><v>{value}</v>",
                        text,
                    )
                data = text.encode()
            target.writestr(info, data)
    return output.getvalue()


def test_formula_cells_are_read_by_their_saved_value(operator_banjar):
    row = record(**{"Pagu APBD Kab/Kota": 1_000_000_000, "Pagu Bantuan Keuangan Provinsi": 500_000_000})
    header = list(row)
    total_column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header.index("Total Pagu")]
    row["Total Pagu"] = "=SUM(J2:L2)"
    content = _with_saved_values(usulan_xlsx([row], header=header), {f"{total_column}2": "1500000000"})
    result = parse(content, operator_banjar)
    assert messages(result) == []


def test_formula_without_a_saved_value_is_a_row_error(operator_banjar):
    result = parse(usulan_xlsx([record(**{"Total Pagu": "=SUM(J2:K2)"})]), operator_banjar)
    assert messages(result) == [
        "Baris 2, Total Pagu: rumus tanpa nilai tersimpan; buka berkas di Excel/LibreOffice lalu simpan"
    ]


def test_unknown_sub_activity_code(operator_banjar):
    result = parse(usulan_xlsx([record(), record(**{"Kode Sub Kegiatan": "1.03.10.2.01.9999"})]), operator_banjar)
    assert messages(result) == ["Baris 3, Kode Sub Kegiatan: kode 1.03.10.2.01.9999 tidak ada dalam nomenklatur"]
    with pytest.raises(ProposalImportError):
        proposal_import_apply(result=result, user=operator_banjar)
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"Pagu APBD Kab/Kota": 1_500_000_000.5, "Total Pagu": None},
            "Baris 2, Pagu APBD Kab/Kota: pagu harus dalam rupiah bulat tanpa sen (Rp 1.500.000.000,5)",
        ),
        (
            {"Pagu APBD Kab/Kota": "1.500.000.000,50", "Total Pagu": None},
            "Baris 2, Pagu APBD Kab/Kota: pagu harus dalam rupiah bulat tanpa sen (Rp 1.500.000.000,50)",
        ),
        (
            {"Pagu APBD Kab/Kota": -1_500_000_000, "Total Pagu": None},
            "Baris 2, Pagu APBD Kab/Kota: pagu tidak boleh negatif (Rp -1.500.000.000)",
        ),
        (
            {"Total Pagu": 2_000_000_000},
            "Baris 2, Total Pagu: Rp 2.000.000.000 tidak sama dengan jumlah kolom Pagu Rp 1.500.000.000",
        ),
        (
            {"Pagu APBD Kab/Kota": 0, "Total Pagu": 0},
            "Baris 2, Pagu: isi minimal satu kolom Pagu dengan nilai lebih dari 0",
        ),
        ({"Volume": 0}, "Baris 2, Volume: volume harus lebih dari 0"),
        ({"Volume": "dua"}, "Baris 2, Volume: 'dua' bukan angka"),
        ({"Satuan": None}, "Baris 2, Satuan: wajib diisi, misalnya km, unit, ha"),
        ({"Tahun Anggaran": 27}, "Baris 2, Tahun Anggaran: isi tahun empat angka, misalnya 2027 (bukan '27')"),
        (
            {"Kode Kabupaten/Kota": "63.99"},
            "Baris 2, Kode Kabupaten/Kota: kode 63.99 bukan kabupaten/kota yang dikenal",
        ),
        (
            {"Kabupaten/Kota": "Kabupaten Tapin"},
            "Baris 2, Kabupaten/Kota: 'Kabupaten Tapin' tidak sesuai dengan kode 63.03 (Kabupaten Banjar)",
        ),
        (
            {"Perangkat Daerah Pengusul": "Dinas Entah"},
            "Baris 2, Perangkat Daerah Pengusul: 'Dinas Entah' tidak dikenal (tulis nama atau nama singkatnya)",
        ),
        (
            {"Perangkat Daerah Pengusul": "Dinas PUPR Kab. Tapin"},
            "Baris 2, Perangkat Daerah Pengusul: Dinas PUPR Kab. Tapin bukan perangkat daerah Kabupaten Banjar",
        ),
        (
            {"Kode Lokasi": "63.05.01"},
            "Baris 2, Kode Lokasi: 63.05.01 Binuang tidak berada di Kabupaten Banjar",
        ),
        (
            {"Kode Lokasi": "63.03.99"},
            "Baris 2, Kode Lokasi: kode 63.03.99 bukan kecamatan atau desa/kelurahan yang dikenal",
        ),
        (
            {"Latitude": 12.5, "Longitude": 114.59},
            "Baris 2, Latitude: lintang 12,500000 di luar wilayah Indonesia (-11,5 s.d. 6,5)",
        ),
        (
            {"Latitude": -3.3, "Longitude": None},
            "Baris 2, Longitude: isi Latitude dan Longitude, atau kosongkan keduanya",
        ),
        (
            {"Prioritas": "Mendesak"},
            "Baris 2, Prioritas: 'Mendesak' bukan prioritas; isi 1/Tinggi, 2/Sedang atau 3/Rendah",
        ),
        (
            {"Sumber Usulan": "Reses"},
            "Baris 2, Sumber Usulan: 'Reses' bukan sumber usulan yang dikenal; isi salah satu dari: Musrenbang "
            "Kab/Kota, Pokir DPRD, Renja PD, Forum PD, Lainnya",
        ),
        ({"Di Luar Nomenklatur": "mungkin"}, "Baris 2, Di Luar Nomenklatur: isi Ya atau Tidak (bukan 'mungkin')"),
        (
            {"Di Luar Nomenklatur": "Ya", "Keterangan": None},
            "Baris 2, Keterangan: usulan di luar nomenklatur wajib dijelaskan alasannya di kolom Keterangan",
        ),
        ({"Nama Usulan": "x" * 501}, "Baris 2, Nama Usulan: paling banyak 500 karakter (kini 501)"),
        ({"Volume": "2,555"}, "Baris 2, Volume: volume paling banyak 2 angka di belakang koma (2,555)"),
    ],
)
def test_row_errors_name_row_column_and_problem(operator_banjar, overrides, expected):
    result = parse(usulan_xlsx([record(**overrides)]), operator_banjar)
    assert messages(result) == [expected]
    assert result.to_create == []


def test_every_problem_of_a_file_is_reported_at_once(operator_banjar):
    result = parse(
        usulan_xlsx(
            [
                record(**{"Volume": -1, "Kode Sub Kegiatan": "1.03.10.2.01.9999"}),
                record(**{"Nama Usulan": "Jalan B"}),
                record(**{"Nama Usulan": "Jalan C", "Total Pagu": 1}),
            ]
        ),
        operator_banjar,
    )
    assert messages(result) == [
        "Baris 2, Kode Sub Kegiatan: kode 1.03.10.2.01.9999 tidak ada dalam nomenklatur",
        "Baris 2, Volume: volume harus lebih dari 0",
        "Baris 4, Total Pagu: Rp 1 tidak sama dengan jumlah kolom Pagu Rp 1.500.000.000",
    ]
    assert result.error_rows == 2
    assert len(result.to_create) == 1  # the preview still shows the good row; nothing can be applied
    with pytest.raises(ProposalImportError):
        proposal_import_apply(result=result, user=operator_banjar)
    assert not Proposal.objects.exists()


def test_optional_values(operator_banjar):
    result = parse(
        usulan_xlsx(
            [
                record(
                    **{
                        "Kode Lokasi": "63.03.01.2001",
                        "Latitude": "-3,318612",
                        "Longitude": 114.5903,
                        "Prioritas": 1,
                        "Sumber Usulan": "pokir dprd",
                        "Indikator Keluaran": "Panjang jalan yang ditingkatkan",
                        "Prakiraan Maju Volume": "3",
                        "Prakiraan Maju Pagu": "Rp 2.000.000.000",
                        "Keterangan": "Lanjutan\nTahap II",
                    }
                ),
                record(**{"Nama Usulan": "Jalan B", "Prioritas": "rendah", "Kode Lokasi": "63.03.01"}),
            ]
        ),
        operator_banjar,
    )
    assert messages(result) == []
    proposal_import_apply(result=result, user=operator_banjar)
    first, second = Proposal.objects.order_by("number")
    assert (first.district.code, first.village.code) == ("63.03.01", "63.03.01.2001")
    assert (first.latitude, first.longitude) == (Decimal("-3.318612"), Decimal("114.590300"))
    assert first.priority == Proposal.Priority.HIGH
    assert first.origin == Proposal.Origin.POKIR
    assert first.forward_volume == Decimal(3)
    assert first.forward_amount == Decimal(2_000_000_000)
    assert first.notes == "Lanjutan\nTahap II"
    assert (second.priority, second.district.code, second.village) == (Proposal.Priority.LOW, "63.03.01", None)


def test_out_of_nomenclature_takes_keterangan_as_the_reason(operator_banjar):
    result = parse(
        usulan_xlsx(
            [
                record(
                    **{
                        "Kode Sub Kegiatan": None,
                        "Di Luar Nomenklatur": "Ya",
                        "Keterangan": "Belum ada sub kegiatan untuk jalan lingkungan berpaving",
                    }
                )
            ]
        ),
        operator_banjar,
    )
    assert messages(result) == []
    proposal_import_apply(result=result, user=operator_banjar)
    proposal = Proposal.objects.get()
    assert proposal.out_of_catalogue is True
    assert proposal.sub_activity is None
    assert proposal.out_of_catalogue_reason == "Belum ada sub kegiatan untuk jalan lingkungan berpaving"


# Possible overlaps (programs/overlaps.py) are warnings: they used to be refused as "usulan ganda", which the web
# form allowed, so an export of real data did not import back.


def warnings(result) -> list[str]:
    return [str(issue) for issue in result.warnings]


def test_rows_that_may_overlap_each_other_are_imported_with_a_warning(operator_banjar):
    pokir = record(**{"Nama Usulan": "PENINGKATAN JALAN  Martapura - Astambul", "Sumber Usulan": "Pokir DPRD"})
    result = parse(usulan_xlsx([record(), pokir]), operator_banjar)
    assert messages(result) == []
    assert warnings(result) == [
        "Baris 2, Nama Usulan: kemungkinan tumpang tindih dengan baris 3 (kabupaten/kota dan sub kegiatan sama, "
        "nama atau lokasi sama); tetap diimpor",
        "Baris 3, Nama Usulan: kemungkinan tumpang tindih dengan baris 2 (kabupaten/kota dan sub kegiatan sama, "
        "nama atau lokasi sama); tetap diimpor",
    ]
    assert [[overlap.label for overlap in row.overlaps] for row in result.rows] == [["baris 3"], ["baris 2"]]
    summary = proposal_import_apply(result=result, user=operator_banjar)
    assert summary.created == ["USL-2027-63.03-0001", "USL-2027-63.03-0002"]
    assert sorted(Proposal.objects.values_list("origin", flat=True)) == ["musrenbang", "pokir"]


def test_a_row_that_may_overlap_a_saved_proposal_names_it_and_is_imported(operator_banjar, banjar, pupr_banjar):
    saved = ProposalFactory(
        number="USL-2027-63.03-0001",
        region=banjar,
        agency=pupr_banjar,
        sub_activity=sub_activity(SUB),
        name="Peningkatan Jalan Martapura - Astambul",
        location="Ruas Martapura - Astambul STA 0+000 s.d. 2+500",
        origin=Proposal.Origin.POKIR,
    )
    result = parse(usulan_xlsx([record(**{"Nama Usulan": "Jalan Martapura Astambul"})]), operator_banjar)
    assert messages(result) == []
    assert warnings(result) == [
        "Baris 2, Nama Usulan: kemungkinan tumpang tindih dengan USL-2027-63.03-0001 (kabupaten/kota dan sub "
        "kegiatan sama, nama atau lokasi sama); tetap diimpor"
    ]
    (row,) = result.to_create
    assert [(overlap.pk, overlap.number) for overlap in row.overlaps] == [(saved.pk, saved.number)]
    assert proposal_import_apply(result=result, user=operator_banjar).created == ["USL-2027-63.03-0002"]
    # Another year, another sub kegiatan, or another name and location: no overlap.
    for overrides in (
        {"Tahun Anggaran": 2028},
        {"Kode Sub Kegiatan": sub_activity("1.03.10.2.01.0055").code},
        {"Nama Usulan": "Jalan Lain", "Lokasi": "Ruas Lain"},
    ):
        assert warnings(parse(usulan_xlsx([record(**overrides)]), operator_banjar)) == [], overrides


def test_the_same_id_usulan_twice_is_still_an_error(operator_banjar, banjar, pupr_banjar):
    saved = funded_proposal(number="USL-2027-63.03-0001", region=banjar, agency=pupr_banjar)
    row = record(**{"ID Usulan": saved.number, "Nama Usulan": saved.name, "Lokasi": saved.location})
    result = parse(usulan_xlsx([row, row]), operator_banjar)
    assert messages(result) == ["Baris 3, ID Usulan: USL-2027-63.03-0001 sudah ada di baris 2"]


def test_operator_may_only_import_their_own_kabupaten(operator_banjar):
    result = parse(
        usulan_xlsx(
            [
                record(),
                record(
                    **{
                        "Kode Kabupaten/Kota": "63.05",
                        "Kabupaten/Kota": "Kabupaten Tapin",
                        "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Tapin",
                    }
                ),
            ]
        ),
        operator_banjar,
    )
    assert messages(result) == [
        "Baris 3, Kode Kabupaten/Kota: Anda hanya dapat mengimpor usulan Kabupaten Banjar (63.03); baris ini untuk "
        "Kabupaten Tapin (63.05)"
    ]
    with pytest.raises(ProposalImportError):
        proposal_import_apply(result=result, user=operator_banjar)
    assert not Proposal.objects.exists()


def test_a_user_without_the_operator_role_may_not_import(viewer):
    result = parse(usulan_xlsx([record()]), viewer)
    assert messages(result) == ["Peran Anda tidak mengizinkan mengimpor usulan (hanya operator kabupaten/kota)."]


def test_superuser_imports_any_kabupaten(superuser):
    result = parse(
        usulan_xlsx(
            [
                record(),
                record(
                    **{
                        "Kode Kabupaten/Kota": "63.05",
                        "Kabupaten/Kota": "Tapin",
                        "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Tapin",
                    }
                ),
            ]
        ),
        superuser,
    )
    assert messages(result) == []
    assert proposal_import_apply(result=result, user=superuser).created == [
        "USL-2027-63.03-0001",
        "USL-2027-63.05-0001",
    ]


# Updates through ID Usulan -------------------------------------------------------------------------------------------


@pytest.fixture
def draft(banjar, pupr_banjar):
    proposal = funded_proposal(
        number="USL-2027-63.03-0001",
        region=banjar,
        agency=pupr_banjar,
        name="Peningkatan Jalan Martapura - Astambul",
        location="Ruas Martapura - Astambul STA 0+000 s.d. 2+500",
        volume=Decimal("2.5"),
        unit="km",
    )
    return proposal


def test_id_usulan_updates_an_editable_proposal(operator_banjar, draft):
    result = parse(
        usulan_xlsx(
            [
                record(
                    **{
                        "ID Usulan": draft.number,
                        "Volume": "3,75",
                        "Pagu APBD Kab/Kota": 1_750_000_000,
                        "Total Pagu": None,
                    }
                )
            ]
        ),
        operator_banjar,
    )
    assert messages(result) == []
    (row,) = result.to_update
    assert row.changes == {
        "volume": ["2.5", "3.75"],
        "funding": [{"APBD_KAB": "1500000000"}, {"APBD_KAB": "1750000000"}],
    }

    summary = proposal_import_apply(result=result, user=operator_banjar)

    assert summary.updated == [draft.number]
    draft.refresh_from_db()
    assert draft.volume == Decimal("3.75")
    assert draft.version == 2
    assert draft.funding_lines.get().amount == Decimal(1_750_000_000)
    entry = AuditEntry.objects.for_object(draft).get()
    assert (entry.action, entry.changes["volume"]) == (AuditEntry.Action.IMPORTED, ["2.5", "3.75"])


def test_identical_row_is_left_alone_whatever_the_status(operator_banjar, draft):
    Proposal.objects.filter(pk=draft.pk).update(status=Proposal.Status.VERIFIED)
    result = parse(usulan_xlsx([record(**{"ID Usulan": draft.number})]), operator_banjar)
    assert messages(result) == []
    assert [row.action for row in result.rows] == [RowAction.UNCHANGED]
    assert (
        str(proposal_import_apply(result=result, user=operator_banjar)) == "0 usulan baru, 0 diubah, 1 tanpa perubahan"
    )
    assert not AuditEntry.objects.exists()


def test_changed_row_of_a_verified_proposal_is_refused(operator_banjar, draft):
    Proposal.objects.filter(pk=draft.pk).update(status=Proposal.Status.VERIFIED)
    result = parse(usulan_xlsx([record(**{"ID Usulan": draft.number, "Volume": 4})]), operator_banjar)
    assert messages(result) == [
        "Baris 2, ID Usulan: usulan USL-2027-63.03-0001 berstatus Terverifikasi sehingga tidak dapat diubah lewat "
        "impor (hanya Draf atau Dikembalikan); yang berbeda: Volume"
    ]


def test_id_usulan_outside_the_users_scope_is_not_found(operator_tapin, draft):
    row = record(
        **{
            "ID Usulan": draft.number,
            "Kode Kabupaten/Kota": "63.05",
            "Kabupaten/Kota": "Kabupaten Tapin",
            "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Tapin",
        }
    )
    result = parse(usulan_xlsx([row]), operator_tapin)
    assert messages(result) == ["Baris 2, ID Usulan: usulan USL-2027-63.03-0001 tidak ditemukan di wilayah Anda"]


def test_moving_a_proposal_to_another_year_is_refused(operator_banjar, draft):
    result = parse(usulan_xlsx([record(**{"ID Usulan": draft.number, "Tahun Anggaran": 2028})]), operator_banjar)
    assert messages(result) == [
        "Baris 2, Tahun Anggaran: usulan USL-2027-63.03-0001 untuk TA 2027; tahun anggaran usulan yang sudah ada "
        "tidak dapat diubah lewat impor"
    ]


def test_proposal_changed_after_the_preview_fails_the_whole_import(operator_banjar, draft):
    result = parse(
        usulan_xlsx([record(**{"ID Usulan": draft.number, "Volume": 4}), record(**{"Nama Usulan": "Jalan Baru"})]),
        operator_banjar,
    )
    assert messages(result) == []
    Proposal.objects.filter(pk=draft.pk).update(version=5)
    with pytest.raises(ProposalImportError) as caught:
        proposal_import_apply(result=result, user=operator_banjar)
    assert str(caught.value) == (
        "Baris 2, ID Usulan: usulan USL-2027-63.03-0001 diubah pengguna lain setelah berkas diperiksa; "
        "unggah ulang berkasnya"
    )
    assert Proposal.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_proposal_submitted_after_the_preview_fails_the_whole_import(operator_banjar, draft):
    """The services refuse the batch (programs.workflow: a submitted proposal is not edited); the import says which
    row, and the new row of the same file is not saved either."""
    result = parse(
        usulan_xlsx([record(**{"ID Usulan": draft.number, "Volume": 4}), record(**{"Nama Usulan": "Jalan Baru"})]),
        operator_banjar,
    )
    Proposal.objects.filter(pk=draft.pk).update(status=Proposal.Status.SUBMITTED)
    with pytest.raises(ProposalImportError) as caught:
        proposal_import_apply(result=result, user=operator_banjar)
    assert [str(issue) for issue in caught.value.issues] == [
        "Baris 2, ID Usulan: usulan USL-2027-63.03-0001 kini berstatus Diajukan"
    ]
    assert Proposal.objects.count() == 1
    assert not AuditEntry.objects.exists()


# Files that are not a sound .xlsx ------------------------------------------------------------------------------------


def _docx_like() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "usulan.xls", "Berkas .xls (Excel 97-2003) tidak dapat"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "usulan.xlsx", "Berkas ini berformat Excel lama (.xls)"),
        (b"Tahun Anggaran;Kode Kabupaten/Kota\n2027;63.03\n", "usulan.csv", "Berkas CSV/teks tidak dapat diimpor"),
        (b"Tahun Anggaran;Kode Kabupaten/Kota\n2027;63.03\n", "usulan.xlsx", "Isi berkas bukan Excel .xlsx"),
        (b"PK\x03\x04" + b"\x14\x00" * 40, "usulan.xlsx", "Berkas .xlsx rusak atau tidak lengkap"),
        (_docx_like(), "usulan.xlsx", "Berkas ini dokumen Word yang diganti namanya"),
        (b"%PDF-1.7", "usulan.pdf", "Hanya berkas Excel .xlsx yang dapat diimpor (berkas ini .pdf)"),
        (b"", "usulan.xlsx", "Berkas kosong."),
    ],
    ids=["xls", "xls-renamed", "csv", "csv-renamed", "corrupt-zip", "docx-renamed", "pdf", "empty"],
)
def test_files_that_are_not_xlsx_get_a_clear_message(operator_banjar, content, name, expected):
    result = parse(content, operator_banjar, name=name)
    assert len(result.errors) == 1
    assert messages(result)[0].startswith(expected)
    assert result.rows == []


def test_truncated_xlsx_is_reported_as_damaged(operator_banjar):
    content = usulan_xlsx([record()])
    result = parse(content[: len(content) // 2], operator_banjar)
    assert messages(result) == ["Berkas .xlsx rusak atau tidak lengkap (arsipnya tidak dapat dibuka)."]


def test_damaged_sheet_xml_is_reported_not_raised(operator_banjar):
    source = zipfile.ZipFile(io.BytesIO(usulan_xlsx([record()])))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, data[:200] if info.filename.startswith("xl/worksheets/") else data)
    result = parse(output.getvalue(), operator_banjar)
    assert len(result.errors) == 1
    assert "rusak" in messages(result)[0]


def test_oversized_upload_is_refused(operator_banjar, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    result = parse(usulan_xlsx([record()]), operator_banjar)
    assert messages(result)[0].startswith("Berkas terlalu besar (")
    assert messages(result)[0].endswith("batasnya 0,0 MB. Bagi usulan ke beberapa berkas.")


def test_archive_that_inflates_beyond_the_bound_is_refused(operator_banjar, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2048
    result = parse(usulan_xlsx([record()]), operator_banjar)
    assert messages(result)[0].startswith("Isi berkas terlalu besar setelah diekstrak")


def test_too_many_rows_is_refused(operator_banjar, settings):
    settings.IMPORT_MAX_ROWS = 2
    rows = [record(**{"Nama Usulan": f"Jalan {n}"}) for n in range(3)]
    result = parse(usulan_xlsx(rows), operator_banjar)
    assert messages(result) == ["Berkas berisi lebih dari 2 baris usulan; bagi menjadi beberapa berkas."]
    assert result.rows == []


def test_a_scheme_missing_from_the_reference_data(operator_banjar):
    FundingScheme.objects.filter(code="BKP").delete()
    result = parse(usulan_xlsx([record(**{"Pagu Bantuan Keuangan Provinsi": 1, "Total Pagu": None})]), operator_banjar)
    assert messages(result) == [
        "Baris 2, Pagu Bantuan Keuangan Provinsi: skema pendanaan ini belum ada di data referensi aplikasi"
    ]


def test_inactive_role_gives_no_rights(pupr_banjar):
    user = UserFactory(username="mantan.operator")
    StaffRoleFactory(user=user, agency=pupr_banjar, is_active=False)
    assert messages(parse(usulan_xlsx([record()]), user)) == [
        "Peran Anda tidak mengizinkan mengimpor usulan (hanya operator kabupaten/kota)."
    ]


def test_path_and_bytes_are_accepted(tmp_path, operator_banjar):
    path = tmp_path / "usulan.xlsx"
    path.write_bytes(usulan_xlsx([record()]))
    assert len(proposal_import_parse(file=path, user=operator_banjar).to_create) == 1
    assert len(proposal_import_parse(file=path.read_bytes(), user=operator_banjar).to_create) == 1


def test_an_agency_or_sub_kegiatan_retired_since_stays_on_an_existing_proposal(operator_banjar, draft, pupr_banjar):
    Agency.objects.filter(pk=pupr_banjar.pk).update(is_active=False)
    Nomenclature.objects.filter(code=SUB).update(is_active=False)
    result = parse(
        usulan_xlsx([record(**{"ID Usulan": draft.number}), record(**{"Nama Usulan": "Jalan Baru"})]), operator_banjar
    )
    assert messages(result) == [
        "Baris 3, Perangkat Daerah Pengusul: Dinas PUPR Kab. Banjar sudah tidak aktif",
        "Baris 3, Kode Sub Kegiatan: kode 1.03.10.2.01.0053 sudah tidak berlaku dalam nomenklatur; pilih kode yang "
        "berlaku",
    ]
    assert [row.action for row in result.rows] == [RowAction.UNCHANGED]
