"""Creating many proposals at once (the Excel import, carry-over): on PostgreSQL the rows go in by COPY
(`rakornis.bulk`), elsewhere through the ORM's bulk_create; both must write the same rows, numbers, funding lines,
audit entries and summary, in a number of statements that does not grow with the rows."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from programs import services
from programs.models import Proposal, ProposalFunding, ProposalSummary
from programs.services import proposals
from programs.summary import summary_differences
from programs.xlsx.importer import proposal_import_apply, proposal_import_parse
from rakornis import bulk
from rakornis.models import AuditEntry
from tests.factories import FundingSchemeFactory, ProposalFactory, district, sub_activity, usulan_xlsx, village

pytestmark = pytest.mark.django_db

SUB = "1.03.10.2.01.0053"


@pytest.fixture
def schemes():
    return {
        code: FundingSchemeFactory(code=code, order=order)
        for order, code in enumerate(["APBD_PROV", "APBD_KAB", "BKP"], start=1)
    }


def inputs(banjar, tapin, pupr_banjar, pupr_tapin, schemes, count: int = 6) -> list[services.ProposalInput]:
    """New proposals of two kabupaten with every kind of value a proposal holds: optional fields set and left
    empty, text with quotes, tabs, line breaks and backslashes (COPY's own escapes), JSON, coordinates."""
    place = village("63.03.01.2001", "Desa Uji")
    made = []
    for n in range(count):
        region, agency = (banjar, pupr_banjar) if n % 2 else (tapin, pupr_tapin)
        data = {
            "fiscal_year": 2027,
            "region": region,
            "agency": agency,
            "sub_activity": sub_activity(SUB, "Peningkatan Jalan"),
            "name": f'Jalan "Uji" {n}\truas\\{n}',
            "volume": Decimal("2.50"),
            "unit": "km",
            "priority": Proposal.Priority.HIGH if n % 3 else Proposal.Priority.MEDIUM,
            "origin": Proposal.Origin.MUSRENBANG,
        }
        if n % 2:
            data |= {
                "district": place.parent,
                "village": place,
                "location": "STA 0+000\ns.d. 2+500",
                "latitude": Decimal("-3.318612"),
                "longitude": Decimal("114.590300"),
                "forward_volume": Decimal("3.00"),
                "forward_amount": Decimal(2_000_000_000),
                "notes": "Lanjutan tahap II \\N bukan NULL",
                "declared_documents": ["kak", "rab"],
            }
        funding = [(schemes["APBD_KAB"], Decimal(1_500_000_000))]
        if n % 2:
            funding.append((schemes["BKP"], Decimal(250_000_000)))
        made.append(services.ProposalInput(data=data, funding=funding, note=f"Diimpor dari uji.xlsx, baris {n + 3}."))
    return made


def written() -> dict:
    """Every row the creation wrote, ids replaced by numbers, timestamps left out (they are the time of writing)."""
    numbers = dict(Proposal.objects.values_list("pk", "number"))
    proposals = list(
        Proposal.objects.order_by("number").values(
            *(f.attname for f in Proposal._meta.concrete_fields if f.attname not in {"id", "created_at", "updated_at"})
        )
    )
    lines = sorted(
        (numbers[p], s, a) for p, s, a in ProposalFunding.objects.values_list("proposal_id", "scheme_id", "amount")
    )
    entries = sorted(
        (numbers[int(e["object_id"])], e["object_repr"], e["action"], e["user_id"], e["changes"], e["note"])
        for e in AuditEntry.objects.values("object_id", "object_repr", "action", "user_id", "changes", "note")
    )
    summary = sorted(
        ProposalSummary.objects.values_list(
            "fiscal_year", "region_id", "agency_id", "status", "scheme_id", "proposal_count", "proposed_amount"
        ),
        key=str,
    )
    return {"proposals": proposals, "lines": lines, "entries": entries, "summary": summary}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_copy_writes_exactly_what_the_orm_writes(
    operator_banjar, banjar, tapin, pupr_banjar, pupr_tapin, schemes, monkeypatch
):
    ProposalFactory(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-0007")
    items = inputs(banjar, tapin, pupr_banjar, pupr_tapin, schemes)
    results = {}
    for path in ("orm", "copy"):
        monkeypatch.setattr(bulk, "copies", lambda path=path: path == "copy")
        with transaction.atomic():
            created = services.proposal_create_bulk(user=operator_banjar, inputs=items)
            assert all(proposal.pk and not proposal._state.adding for proposal in created)
            results[path] = written(), [proposal.number for proposal in created]
            transaction.set_rollback(True)  # the counters too: the second path numbers the same proposals
    assert results["copy"] == results["orm"]
    rows, numbers = results["copy"]
    assert numbers[:2] == ["USL-2027-63.05-0001", "USL-2027-63.03-0008"]
    assert len(rows["lines"]) == 9 and len(rows["entries"]) == 6


@pytest.mark.parametrize("path", ["orm", "copy"])
def test_a_new_proposals_entry_records_what_a_change_of_it_compares_against(
    operator_banjar, banjar, tapin, pupr_banjar, pupr_tapin, schemes, monkeypatch, path
):
    """The entries of new proposals are made from the values being written, a change's from the saved proposal:
    both must record the same snapshot, or the history would show changes nobody made."""
    if path == "copy" and connection.vendor != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's")
    monkeypatch.setattr(bulk, "copies", lambda: path == "copy")
    items = inputs(banjar, tapin, pupr_banjar, pupr_tapin, schemes)
    numbers = services.proposal_create_bulk_numbers(user=operator_banjar, inputs=items, action="imported")
    saved = {proposal.number: proposal for proposal in Proposal.objects.prefetch_related("funding_lines")}
    codes = proposals._scheme_codes()
    for number, item in zip(numbers, items, strict=True):
        proposal = saved[number]
        entry = AuditEntry.objects.for_object(proposal).get()
        snapshot = proposals._snapshot(proposals._field_values(proposal), proposals._stored_amounts(proposal), codes)
        # The snapshot's values that are not empty, as new: [None, value] (0 and False count), and the status.
        created = {name: [None, value] for name, value in snapshot.items() if value not in (None, "", {}, [])}
        assert entry.changes == {**created, "status": [None, Proposal.Status.DRAFT.value]}
        assert (entry.object_repr, entry.note, entry.user) == (str(proposal), item.note, operator_banjar)
    # The returned instances hold the rows as written, timestamps and ids included.
    created = services.proposal_create_bulk(user=operator_banjar, inputs=items[:2])
    for proposal in created:
        stored = Proposal.objects.get(pk=proposal.pk)
        assert (proposal.number, proposal.created_at, proposal.updated_at, proposal.total_amount) == (
            stored.number,
            stored.created_at,
            stored.updated_at,
            stored.total_amount,
        )


def test_what_the_summary_gains_is_what_a_recount_finds(
    operator_banjar, banjar, tapin, pupr_banjar, pupr_tapin, schemes
):
    services.proposal_create_bulk(user=operator_banjar, inputs=inputs(banjar, tapin, pupr_banjar, pupr_tapin, schemes))
    created = services.proposal_create_bulk(
        user=operator_banjar, inputs=inputs(banjar, tapin, pupr_banjar, pupr_tapin, schemes)
    )
    assert [proposal.number for proposal in created][:2] == ["USL-2027-63.05-0004", "USL-2027-63.03-0004"]
    assert summary_differences() == []
    banjar_bkp = ProposalSummary.objects.get(
        fiscal_year=2027, region=banjar, agency=pupr_banjar, status=Proposal.Status.DRAFT, scheme=schemes["BKP"]
    )
    assert (banjar_bkp.proposal_count, banjar_bkp.proposed_amount) == (6, Decimal(1_500_000_000))
    tapin_all = ProposalSummary.objects.get(
        fiscal_year=2027, region=tapin, agency=pupr_tapin, status=Proposal.Status.DRAFT, scheme=None
    )
    assert (tapin_all.proposal_count, tapin_all.proposed_amount) == (6, Decimal(9_000_000_000))


def test_a_refused_row_writes_nothing(operator_banjar, banjar, tapin, pupr_banjar, pupr_tapin, schemes):
    """The form's second POST relies on it: a token already used is the database's IntegrityError, whatever the path,
    and none of the batch, its lines or its audit stays."""
    ProposalFactory(region=banjar, agency=pupr_banjar, creation_token="a" * 32)
    items = inputs(banjar, tapin, pupr_banjar, pupr_tapin, schemes)
    items[-1].creation_token = "a" * 32
    with pytest.raises(IntegrityError):
        services.proposal_create_bulk(user=operator_banjar, inputs=items)
    assert Proposal.objects.count() == 1
    assert not ProposalFunding.objects.exists() and not AuditEntry.objects.exists()


# The import's apply: statements per file, not per row ------------------------------------------------------------


def workbook(count: int) -> bytes:
    return usulan_xlsx(
        [
            {
                "Tahun Anggaran": 2027,
                "Kode Kabupaten/Kota": "63.03" if n % 2 else "63.05",
                "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Banjar" if n % 2 else "Dinas PUPR Kab. Tapin",
                "Kode Sub Kegiatan": SUB,
                "Nama Usulan": f"Peningkatan Jalan Impor {n}",
                "Lokasi": f"Ruas {n}",
                "Volume": 2.5,
                "Satuan": "km",
                "Pagu APBD Kab/Kota": 1_500_000_000,
                "Pagu Bantuan Keuangan Provinsi": 250_000_000 if n % 2 else None,
            }
            for n in range(count)
        ]
    )


def test_applying_an_import_takes_as_many_statements_for_300_rows_as_for_5(
    superuser, banjar, tapin, pupr_banjar, pupr_tapin, schemes
):
    sub_activity(SUB, "Peningkatan Jalan")
    district("63.05.01", "Binuang")
    # Both series numbered once already: a kabupaten/kota's first number ever costs two statements more.
    services.proposal_create_bulk(user=superuser, inputs=inputs(banjar, tapin, pupr_banjar, pupr_tapin, schemes, 2))
    counts = {}
    for count in (5, 300):
        result = proposal_import_parse(file=workbook(count), user=superuser)
        assert [str(issue) for issue in result.errors] == []
        with CaptureQueriesContext(connection) as queries:
            summary = proposal_import_apply(result=result, user=superuser)
        assert len(summary.created) == count
        counts[count] = [query["sql"][:70] for query in queries]
    assert len(counts[300]) == len(counts[5]), counts
    assert Proposal.objects.count() == 307
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORTED).count() == 307
    assert ProposalFunding.objects.count() == 307 + 153
    assert summary_differences() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_entries_made_as_the_copy_takes_them_are_written_or_refused_whole(operator_banjar):
    """`bulk_insert_values` without ids takes a generator (the audit entries of an import): each mapping is made when
    the COPY reaches it and gets its timestamp; one that names other fields stops the COPY, and nothing is written."""
    taken = []

    def entries(count: int, odd_one: int | None = None):
        for n in range(count):
            entry = {"content_type_id": 1, "object_id": str(n), "object_repr": f"uji {n}", "action": "imported"}
            entry |= {"user_id": operator_banjar.pk, "changes": {"n": [None, n]}, "note": "" if n != odd_one else "x"}
            if n == odd_one:
                del entry["user_id"]
            taken.append(entry)
            yield entry

    bulk.bulk_insert_values(AuditEntry, entries(3), with_ids=False)
    assert list(AuditEntry.objects.order_by("object_id").values_list("object_id", "changes")) == [
        ("0", {"n": [None, 0]}),
        ("1", {"n": [None, 1]}),
        ("2", {"n": [None, 2]}),
    ]
    assert all(entry["at"] == taken[0]["at"] is not None for entry in taken)
    with pytest.raises(ValueError, match="every row must name the same fields"), transaction.atomic():
        bulk.bulk_insert_values(AuditEntry, entries(4, odd_one=2), with_ids=False)
    assert AuditEntry.objects.count() == 3
