"""Amounts: at most 18 digits (Rp 999.999.999.999.999.999), refused with a rupiah message beyond, added without
overflow, and exported as exact values (a spreadsheet number up to 15 digits, exact text beyond), never `1E+18`."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from programs.models import Proposal, ProposalFunding
from programs.xlsx.exporters import proposal_export_workbook
from programs.xlsx.importer import RowAction, proposal_import_parse
from programs.xlsx.render import BIG_NUMBER_NOTE, Column, Kind, SheetSpec, render_workbook
from rakornis.numbers import NumberError, parse_amount
from tests.factories import FundingSchemeFactory, ProposalFactory, ProposalFundingFactory

pytestmark = pytest.mark.django_db
MAX = Decimal(10**18 - 1)
TEN_MAX = MAX * 10
MAX_TEXT = "Rp 999.999.999.999.999.999"
TOO_BIG = "Pagu terlalu besar: paling banyak Rp 999.999.999.999.999.999 (18 angka)."


@pytest.fixture
def ten_schemes():
    return [FundingSchemeFactory(code=f"SKEMA_{i}", short_name=f"Skema {i}", order=i) for i in range(10)]


@pytest.fixture
def giant(banjar, pupr_banjar, ten_schemes):
    """One proposal drawing the largest pagu from each of ten schemes: Rp 9.999.999.999.999.999.990 in all."""
    proposal = ProposalFactory(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-0001")
    for scheme in ten_schemes:
        ProposalFundingFactory(proposal=proposal, scheme=scheme, amount=MAX)
    return proposal


def test_the_parser_accepts_18_digits_and_refuses_19_with_a_rupiah_message():
    assert parse_amount(MAX_TEXT) == MAX
    with pytest.raises(NumberError) as excinfo:
        parse_amount("1.000.000.000.000.000.000")
    assert str(excinfo.value) == TOO_BIG[0].lower() + TOO_BIG[1:-1]
    assert parse_amount("Rp 9.999.999.999.999.999.990", digits=20) == TEN_MAX


def test_the_sum_of_ten_largest_amounts_neither_overflows_nor_fails(giant):
    total = ProposalFunding.objects.aggregate(total=Sum("amount"))["total"]
    if connection.vendor == "postgresql":
        assert total == TEN_MAX  # numeric: exact
    else:
        # SQLite's own SUM stops with "integer overflow"; the project's exact SUM returns the total, which Django
        # casts to NUMERIC (15 digits on SQLite): rounded, but no error (rakornis/sqlite_sum.py).
        assert total == pytest.approx(TEN_MAX, rel=Decimal("1e-14"))


def test_the_list_of_ten_proposals_with_the_largest_amount_in_one_scheme_shows_its_total(client, superuser, banjar):
    scheme = FundingSchemeFactory(code="APBD_KAB", short_name="APBD Kab/Kota")
    for _ in range(10):
        ProposalFundingFactory(proposal=ProposalFactory(region=banjar), scheme=scheme, amount=MAX)
    client.force_login(superuser)
    response = client.get(reverse("programs:proposal-list"))
    assert response.status_code == 200
    if connection.vendor == "postgresql":
        assert "Rp 9.999.999.999.999.999.990" in response.text


def test_the_export_writes_big_amounts_as_exact_text_and_normal_ones_as_numbers(giant, banjar, ten_schemes):
    normal = ProposalFactory(region=banjar, agency=giant.agency, number="USL-2027-63.03-0002")
    ProposalFundingFactory(proposal=normal, scheme=ten_schemes[0], amount=Decimal(1_500_000_000))
    content = proposal_export_workbook(Proposal.objects.order_by("number"))
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    big = [cell for cell in cells if cell.value == MAX_TEXT]
    assert len(big) == 10
    assert all(cell.data_type == "s" and cell.comment.text.startswith("Lebih dari 15 angka") for cell in big)
    assert any(cell.value == "Rp 9.999.999.999.999.999.990" for cell in cells)  # the total, exact
    assert not any(isinstance(cell.value, float) and cell.value >= 10**15 for cell in cells)  # never 1E+18
    assert any(cell.value == 1_500_000_000 and cell.data_type == "n" for cell in cells)  # a number: sums work


def test_the_export_of_the_largest_amounts_imports_back_unchanged(giant, operator_banjar):
    content = proposal_export_workbook(Proposal.objects.for_user(operator_banjar))
    result = proposal_import_parse(file=content, user=operator_banjar)
    assert [str(issue) for issue in result.errors] == []
    assert [row.action for row in result.rows] == [RowAction.UNCHANGED]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (999_999_999_999_999, 999_999_999_999_999),  # 15 digits: a number, exact in Excel
        (Decimal(10**15), "Rp 1.000.000.000.000.000"),
        (-(10**16), "-10.000.000.000.000.000"),
    ],
)
def test_the_writer_keeps_every_digit(value, shown):
    kind = Kind.MONEY if isinstance(shown, str) and shown.startswith("Rp") else Kind.COUNT
    content = render_workbook([SheetSpec(name="x", columns=[Column("Nilai", kind)], rows=[[value]])])
    cell = load_workbook(io.BytesIO(content)).worksheets[0]["A2"]
    assert cell.value == shown
    if isinstance(shown, str):
        assert cell.comment.text == BIG_NUMBER_NOTE


def test_the_form_refuses_19_digits_with_a_rupiah_message(client, operator_banjar, banjar, pupr_banjar):
    from tests.factories import proposal_form_data, sub_activity

    FundingSchemeFactory(code="APBD_KAB")
    client.force_login(operator_banjar)
    data = proposal_form_data(
        region=banjar,
        agency=pupr_banjar,
        funding=[("APBD_KAB", "1.000.000.000.000.000.000")],
        sub_activity=str(sub_activity().pk),
    )
    response = client.post(reverse("programs:proposal-create"), data)
    assert response.status_code == 200
    assert TOO_BIG in response.text
    assert not Proposal.objects.exists()


def test_the_database_refuses_an_amount_beyond_18_digits(giant, ten_schemes):
    line = ProposalFunding.objects.filter(proposal=giant).first()
    # PostgreSQL's numeric(18, 0) refuses it before the check does (DataError); SQLite has the check only.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        ProposalFunding.objects.filter(pk=line.pk).update(amount=MAX + 1)
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Proposal.objects.filter(pk=giant.pk).update(forward_amount=MAX + 1)
