"""The blank proposal workbook: operators, verifiers and planners download it; nobody else."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

URL = reverse("programs:proposal-template")


@pytest.mark.parametrize("persona", ["operator_banjar", "verifier", "planner", "superuser"])
def test_template_downloads_as_xlsx(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    year = timezone.localdate().year + 1
    assert f'filename="Template_Usulan_TA{year}.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert "Referensi" in workbook.sheetnames
    header_cells = [cell for row in workbook.worksheets[0].iter_rows(max_row=20, values_only=True) for cell in row]
    assert any(str(cell).startswith("Nama Usulan") for cell in header_cells if cell)


@pytest.mark.parametrize("persona", ["viewer", "secretary"])
def test_template_refused_without_the_role(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_template_post_is_refused(client, operator_banjar):
    client.force_login(operator_banjar)
    assert client.post(URL).status_code == 405
