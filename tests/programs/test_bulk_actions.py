"""Bulk actions on the proposal list: tick proposals, see what applies to all of them, apply it to all or none."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.models import Proposal, ProposalCheck, ReadinessCriterion
from rakornis.formatting import format_rupiah
from rakornis.models import AuditEntry
from tests.factories import funded_proposal

pytestmark = pytest.mark.django_db
S = Proposal.Status
URL = reverse("programs:proposal-bulk")
LIST = reverse("programs:proposal-list")


def _proposals(region, agency, status, n, start=1):
    return [
        funded_proposal(region=region, agency=agency, status=status, number=f"USL-2027-{region.code}-{i:04d}")
        for i in range(start, start + n)
    ]


def _ids(proposals):
    return [str(proposal.pk) for proposal in proposals]


def _statuses(proposals):
    return set(Proposal.objects.filter(pk__in=[p.pk for p in proposals]).values_list("status", flat=True))


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def _all_criteria():
    return [str(pk) for pk in ReadinessCriterion.objects.filter(active=True).values_list("pk", flat=True)]


# The list and the page of ticked proposals --------------------------------------------------------------------------


def test_the_list_offers_ticking_to_those_who_act(client, operator_banjar, viewer, banjar, pupr_banjar):
    _proposals(banjar, pupr_banjar, S.DRAFT, 2)
    client.force_login(operator_banjar)
    text = client.get(LIST).text
    assert 'id="bulk-select-all" data-select-all="proposal-bulk"' in text
    assert 'id="bulk-open" data-select-count="proposal-bulk"' in text
    assert f'action="{URL}"' in text
    assert "js/rakornis.js" in text
    client.force_login(viewer)
    text = client.get(LIST).text
    assert 'name="ids"' not in text
    assert URL not in text


def test_the_list_costs_the_same_queries_at_5_and_at_200_rows(client, verifier, banjar, pupr_banjar):
    """The checkbox column adds no query (h6list's bound: at most 12, the same whatever the rows)."""
    _proposals(banjar, pupr_banjar, S.SUBMITTED, 5)
    client.force_login(verifier)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    _proposals(banjar, pupr_banjar, S.SUBMITTED, 195, start=6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert response.text.count('class="form-check-input bulk-pick"') == 50
    assert len(many) == len(few) <= 12


def test_the_page_offers_only_what_applies_to_every_ticked_proposal(client, verifier, banjar, pupr_banjar):
    submitted = _proposals(banjar, pupr_banjar, S.SUBMITTED, 3)
    client.force_login(verifier)
    response = client.post(URL, {"ids": _ids(submitted), "filter": "status=submitted"})
    assert response.status_code == 200
    text = response.text
    assert 'value="verify"' in text and 'value="return"' in text
    assert 'value="submit"' not in text
    assert "Terapkan pada 3 usulan" in text
    # A verified one among them: neither verify nor return applies to all, and the page says which one blocks.
    verified = _proposals(banjar, pupr_banjar, S.VERIFIED, 1, start=9)
    text = client.post(URL, {"ids": _ids(submitted + verified)}).text
    assert 'value="verify"' not in text
    assert "Tidak ada tindakan yang dapat Anda lakukan pada semua usulan ini sekaligus" in text
    assert f"{verified[0].number} (Terverifikasi)" in text


# Submit (operator) --------------------------------------------------------------------------------------------------


def test_operator_submits_selected_drafts(client, operator_banjar, banjar, pupr_banjar):
    drafts = _proposals(banjar, pupr_banjar, S.DRAFT, 4)
    client.force_login(operator_banjar)
    response = client.post(URL, {"ids": _ids(drafts), "action": "submit", "filter": "status=draft"})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?status=draft"
    assert _statuses(drafts) == {S.SUBMITTED}
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SUBMITTED).count() == 4
    (message,) = _messages(response)
    assert message.startswith(f"4 usulan diajukan ke provinsi untuk diverifikasi (pagu {format_rupiah(6_000_000_000)})")


def test_a_proposal_in_the_wrong_status_refuses_the_whole_batch(client, operator_banjar, banjar, pupr_banjar):
    drafts = _proposals(banjar, pupr_banjar, S.DRAFT, 3)
    submitted = _proposals(banjar, pupr_banjar, S.SUBMITTED, 1, start=7)
    client.force_login(operator_banjar)
    response = client.post(URL, {"ids": _ids(drafts + submitted), "action": "submit"})
    assert response.status_code == 200
    assert _statuses(drafts) == {S.DRAFT}
    assert _statuses(submitted) == {S.SUBMITTED}
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SUBMITTED).exists()
    refusal = response.text[response.text.index('id="bulk-refusal"') :]
    assert refusal.startswith('id="bulk-refusal">Tidak ada usulan yang diproses.')
    assert submitted[0].number in refusal[:400]


def test_an_operator_cannot_act_on_another_kabupatens_proposals(client, operator_tapin, banjar, pupr_banjar):
    drafts = _proposals(banjar, pupr_banjar, S.DRAFT, 2)
    client.force_login(operator_tapin)
    assert client.post(URL, {"ids": _ids(drafts), "action": "submit"}).status_code == 404
    assert client.post(URL, {"ids": _ids(drafts)}).status_code == 404
    assert _statuses(drafts) == {S.DRAFT}


def test_an_operator_cannot_bulk_verify(client, operator_banjar, banjar, pupr_banjar):
    submitted = _proposals(banjar, pupr_banjar, S.SUBMITTED, 2)
    client.force_login(operator_banjar)
    response = client.post(URL, {"ids": _ids(submitted), "action": "verify", "criteria": _all_criteria()})
    assert response.status_code == 403
    assert _statuses(submitted) == {S.SUBMITTED}


def test_a_viewer_gets_403(client, viewer, banjar, pupr_banjar):
    drafts = _proposals(banjar, pupr_banjar, S.DRAFT, 1)
    client.force_login(viewer)
    assert client.post(URL, {"ids": _ids(drafts)}).status_code == 403


def test_get_is_405(client, operator_banjar):
    client.force_login(operator_banjar)
    assert client.get(URL).status_code == 405


# Verify or return (verifier), one note for all ----------------------------------------------------------------------


def test_verifier_verifies_selected_with_the_checklist(client, verifier, banjar, pupr_banjar, tapin, pupr_tapin):
    submitted = _proposals(banjar, pupr_banjar, S.SUBMITTED, 3) + _proposals(tapin, pupr_tapin, S.SUBMITTED, 2)
    client.force_login(verifier)
    response = client.post(URL, {"ids": _ids(submitted), "action": "verify", "criteria": _all_criteria()})
    assert response.status_code == 302
    assert _statuses(submitted) == {S.VERIFIED}
    checks = ProposalCheck.objects.filter(outcome=ProposalCheck.Outcome.VERIFIED)
    assert checks.count() == 5
    assert {item.met for check in checks for item in check.items.all()} == {True}
    assert _messages(response)[0].startswith("5 usulan terverifikasi")


def test_an_unmet_criterion_needs_the_note(client, verifier, banjar, pupr_banjar):
    submitted = _proposals(banjar, pupr_banjar, S.SUBMITTED, 2)
    client.force_login(verifier)
    response = client.post(URL, {"ids": _ids(submitted), "action": "verify", "criteria": _all_criteria()[:1]})
    assert response.status_code == 200
    assert "Kriteria kesiapan belum terpenuhi" in response.text
    assert _statuses(submitted) == {S.SUBMITTED}
    note = "Status lahan menyusul; disepakati diverifikasi bersyarat."
    response = client.post(
        URL, {"ids": _ids(submitted), "action": "verify", "criteria": _all_criteria()[:1], "note": note}
    )
    assert response.status_code == 302
    assert _statuses(submitted) == {S.VERIFIED}
    assert set(ProposalCheck.objects.values_list("note", flat=True)) == {note}


def test_verifier_returns_selected_with_one_note_for_all(client, verifier, banjar, pupr_banjar):
    submitted = _proposals(banjar, pupr_banjar, S.SUBMITTED, 3)
    client.force_login(verifier)
    note = "Lengkapi DED dan RAB."
    response = client.post(URL, {"ids": _ids(submitted), "action": "return", "note": note})
    assert response.status_code == 302
    assert _statuses(submitted) == {S.RETURNED}
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.RETURNED)
    assert [entry.note for entry in entries] == [note] * 3


def test_a_return_without_a_note_is_refused(client, verifier, banjar, pupr_banjar):
    submitted = _proposals(banjar, pupr_banjar, S.SUBMITTED, 2)
    client.force_login(verifier)
    response = client.post(URL, {"ids": _ids(submitted), "action": "return", "note": "  "})
    assert response.status_code == 200
    assert "Catatan pengembalian wajib diisi" in response.text
    assert _statuses(submitted) == {S.SUBMITTED}


# Carry over (planner) -----------------------------------------------------------------------------------------------


def test_planner_carries_over_selected(client, planner, banjar, pupr_banjar):
    deferred = _proposals(banjar, pupr_banjar, S.DEFERRED, 3)
    client.force_login(planner)
    text = client.post(URL, {"ids": _ids(deferred)}).text
    assert 'value="carry_over"' in text
    response = client.post(URL, {"ids": _ids(deferred), "action": "carry_over"})
    assert response.status_code == 302
    copies = Proposal.objects.filter(carried_over_from__in=deferred)
    assert copies.count() == 3
    assert set(copies.values_list("status", "fiscal_year")) == {(S.DRAFT, deferred[0].fiscal_year + 1)}
    assert _messages(response)[0].startswith("3 usulan dilanjutkan ke tahun anggaran berikutnya sebagai draf")


def test_a_proposal_carried_over_already_refuses_the_batch(client, planner, banjar, pupr_banjar):
    deferred = _proposals(banjar, pupr_banjar, S.DEFERRED, 3)
    client.force_login(planner)
    client.post(URL, {"ids": _ids(deferred[:1]), "action": "carry_over"})
    # The page no longer offers carry-over for the three, and a forged request is refused as a whole.
    assert 'value="carry_over"' not in client.post(URL, {"ids": _ids(deferred)}).text
    response = client.post(URL, {"ids": _ids(deferred), "action": "carry_over"})
    assert response.status_code == 200
    assert f"Usulan {deferred[0].number} sudah dilanjutkan" in response.text
    assert Proposal.objects.filter(carried_over_from__in=deferred).count() == 1


# Bounds and bad input -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, "Belum ada usulan yang dicentang."),
        ({"ids": ["x"]}, "Pilihan usulan tidak valid"),
        ({"ids": [str(n) for n in range(1, 502)]}, "Paling banyak 500 usulan sekaligus; 501 dicentang."),
    ],
    ids=["none", "garbage", "too-many"],
)
def test_bad_selections_are_refused_with_a_message(client, operator_banjar, data, expected):
    client.force_login(operator_banjar)
    response = client.post(URL, {**data, "action": "submit"})
    assert response.status_code == 302
    assert _messages(response)[0].startswith(expected)


def test_an_unknown_action_is_a_message_not_an_error(client, operator_banjar, banjar, pupr_banjar):
    drafts = _proposals(banjar, pupr_banjar, S.DRAFT, 1)
    client.force_login(operator_banjar)
    response = client.post(URL, {"ids": _ids(drafts), "action": "hapus"})
    assert response.status_code == 200
    assert "Tindakan itu tidak tersedia" in response.text
    assert _statuses(drafts) == {S.DRAFT}
