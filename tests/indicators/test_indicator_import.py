"""The indicator workbook: template, upload checked by the worker (run at once in tests), preview, confirm."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from programs.models import ExcelJob, IndicatorTarget
from tests.factories import xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["Kode Indikator", "Kode Wilayah", "Tahun", "Jenis", "Nilai", "Dokumen Sumber", "Nomor", "Tanggal Sumber"]


def upload(client, rows):
    content = xlsx_bytes([HEADER, *rows], sheet="Capaian")
    file = SimpleUploadedFile("capaian.xlsx", content, "application/octet-stream")
    response = client.post(reverse("indicators:indicator-import"), {"file": file})
    assert response.status_code == 302, response.content.decode()[:500]
    return client.get(response["Location"])


def test_template_lists_the_columns_and_the_reference(client, planner, rtlh):
    client.force_login(planner)
    response = client.get(reverse("indicators:indicator-template"))
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content), read_only=True)
    headers = [c for row in workbook["Capaian"].iter_rows(values_only=True) for c in row if c]
    assert "Kode Indikator *" in headers and "Tanggal Sumber *" in headers
    reference = [c for row in workbook["Referensi"].iter_rows(values_only=True) for c in row if c]
    assert "IK-PKP-01" in reference and "63.03" in reference


def test_good_file_is_previewed_then_saved_on_confirmation(client, planner, rtlh):
    client.force_login(planner)
    preview = upload(
        client,
        [
            ["IK-PKP-01", "63", 2027, "Target", 5900, "RPJMD Kalsel 2025-2029", "Perda 5/2025", "30-06-2025"],
            ["IK-PKP-01", "63.03", 2026, "Realisasi", "150", "Laporan Disperkim Banjar", "", "15-01-2027"],
        ],
    )
    assert preview.status_code == 200
    assert preview.context["preview"]["new"] == 1 and preview.context["preview"]["changed"] == 1
    assert not IndicatorTarget.objects.filter(year=2027).exists()  # nothing before the confirmation
    job = ExcelJob.objects.get(kind=ExcelJob.Kind.INDICATOR_PREVIEW)
    response = client.post(reverse("indicators:indicator-import-confirm", args=[job.pk]))
    assert response.status_code == 302
    assert IndicatorTarget.objects.get(region__code="63", year=2027).target == Decimal("5900")
    assert IndicatorTarget.objects.get(region__code="63.03", year=2026).realisation == Decimal("150")
    # A second confirmation of the same preview saves nothing more.
    again = client.post(reverse("indicators:indicator-import-confirm", args=[job.pk]))
    assert again.status_code == 302 and again["Location"] == reverse("indicators:indicator-import")


def test_bad_rows_are_listed_and_nothing_is_saved(client, planner, rtlh):
    client.force_login(planner)
    preview = upload(
        client,
        [
            ["IK-PKP-01", "63", 2027, "Target", 5900, "RPJMD", "", "30-06-2025"],
            ["IK-XXX", "63", 2027, "Target", 1, "RPJMD", "", "30-06-2025"],
            ["IK-PKP-01", "99.99", 2027, "Target", 1, "RPJMD", "", "30-06-2025"],
            ["IK-PKP-01", "63", 2027, "Sasaran", -1, "", "", "kemarin"],
        ],
    )
    messages = [(e["row"], e["column"], e["message"]) for e in preview.context["preview"]["errors"]]
    columns = {(row, column) for row, column, _ in messages}
    assert {(3, "Kode Indikator"), (4, "Kode Wilayah"), (5, "Jenis"), (5, "Nilai"), (5, "Dokumen Sumber")} <= columns
    assert (5, "Tanggal Sumber") in columns
    assert not preview.context["confirmable"]
    assert "Berkas tidak dapat diimpor" in preview.content.decode()
    job = ExcelJob.objects.get(kind=ExcelJob.Kind.INDICATOR_PREVIEW)
    client.post(reverse("indicators:indicator-import-confirm", args=[job.pk]))
    assert not IndicatorTarget.objects.filter(year=2027).exists()


def test_operator_rows_outside_their_rights_are_refused(client, operator_banjar, rtlh):
    client.force_login(operator_banjar)
    preview = upload(
        client,
        [
            ["IK-PKP-01", "63.03", 2026, "Realisasi", 150, "Laporan", "", "15-01-2027"],
            ["IK-PKP-01", "63.05", 2026, "Realisasi", 10, "Laporan", "", "15-01-2027"],
            ["IK-PKP-01", "63.03", 2027, "Target", 10, "Laporan", "", "15-01-2027"],
        ],
    )
    rows = {e["row"] for e in preview.context["preview"]["errors"]}
    assert rows == {3, 4}  # the header is row 1
    assert not preview.context["confirmable"]
    assert IndicatorTarget.objects.get(region__code="63.03", year=2026).realisation == Decimal("120")


def test_a_file_that_is_not_xlsx_is_refused_at_once(client, planner, rtlh):
    client.force_login(planner)
    file = SimpleUploadedFile("capaian.csv", b"a;b\n", "text/csv")
    response = client.post(reverse("indicators:indicator-import"), {"file": file})
    assert response.status_code == 200
    assert "CSV" in response.content.decode()
    assert not ExcelJob.objects.exists()


def test_another_users_preview_is_404(client, planner, verifier, rtlh):
    client.force_login(planner)
    upload(client, [["IK-PKP-01", "63", 2027, "Target", 5900, "RPJMD", "", "30-06-2025"]])
    job = ExcelJob.objects.get()
    client.force_login(verifier)
    assert client.get(reverse("indicators:indicator-import-preview", args=[job.pk])).status_code == 404
    assert client.post(reverse("indicators:indicator-import-confirm", args=[job.pk])).status_code == 404
    assert not IndicatorTarget.objects.filter(year=2027).exists()


def test_viewer_may_not_import(client, viewer, rtlh):
    client.force_login(viewer)
    assert client.get(reverse("indicators:indicator-import")).status_code == 403
    assert client.get(reverse("indicators:indicator-template")).status_code == 403
