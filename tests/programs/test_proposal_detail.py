from decimal import Decimal

import pytest
from django.urls import reverse

from meetings.models import Decision, DecisionFunding
from programs import services
from programs.models import Proposal
from programs.services.comments import comment_add
from tests.factories import (
    DecisionFactory,
    FundingSchemeFactory,
    ProposalFundingFactory,
    funded_proposal,
    proposal_form_data,
    village,
)

pytestmark = pytest.mark.django_db


def url(proposal: Proposal) -> str:
    return reverse("programs:proposal-detail", args=[proposal.pk])


@pytest.fixture
def proposal(banjar, pupr_banjar):
    proposal = funded_proposal(region=banjar, agency=pupr_banjar, amount=1_500_000_000)
    ProposalFundingFactory(proposal=proposal, scheme=FundingSchemeFactory(code="BKP"), amount=Decimal(500_000_000))
    return proposal


def test_detail_shows_fields_funding_and_total(client, operator_banjar, proposal):
    client.force_login(operator_banjar)
    response = client.get(url(proposal))
    assert response.status_code == 200
    text = response.text
    assert proposal.number in text
    assert proposal.name in text
    assert "Kabupaten Banjar" in text
    assert "Rp 1.500.000.000" in text
    assert "Rp 500.000.000" in text
    assert "Rp 2.000.000.000" in text
    assert "2,5 km" in text


def test_detail_names_the_kecamatan_and_desa_or_a_dash(client, operator_banjar, proposal):
    """Read as subqueries of the page's one proposal query (not joins): the names, escaped, and a dash without."""
    client.force_login(operator_banjar)
    assert "— / —" in client.get(url(proposal)).text
    desa = village("63.03.01.2001", "Desa <Sungai> & Tabuk")
    Proposal.objects.filter(pk=proposal.pk).update(district=desa.parent, village=desa)
    text = client.get(url(proposal)).text
    assert "Aluh-Aluh / Desa &lt;Sungai&gt; &amp; Tabuk" in text


def test_history_shows_who_changed_what_and_the_status_timeline(client, operator_banjar, verifier, proposal):
    client.force_login(operator_banjar)
    data = proposal_form_data(
        region=proposal.region,
        agency=proposal.agency,
        funding=[("APBD_KAB", "1500000000"), ("BKP", "500000000")],
        name="Nama baru",
        version="1",
    )
    client.post(reverse("programs:proposal-update", args=[proposal.pk]), data)
    proposal.refresh_from_db()
    services.proposal_submit(proposal=proposal, user=operator_banjar)
    services.proposal_return(proposal=proposal, user=verifier, note="Tambahkan foto lokasi")
    text = client.get(url(proposal)).text
    assert "Riwayat perubahan isian" in text
    assert "Nama usulan" in text and "Nama baru" in text
    assert "Diajukan" in text
    assert "Dikembalikan untuk perbaikan" in text
    assert "Tambahkan foto lokasi" in text
    assert "verifikator.pupr" in text


def test_decisions_and_merge_lineage_are_shown(client, verifier, proposal, banjar):
    target = funded_proposal(region=banjar, name="Usulan induk")
    decision = DecisionFactory(
        proposal=proposal, outcome=Decision.Outcome.MERGED, merged_into=target, reason="Satu ruas"
    )
    DecisionFunding.objects.create(decision=decision, scheme=FundingSchemeFactory(code="BKP"), amount=Decimal(7))
    client.force_login(verifier)
    text = client.get(url(proposal)).text
    assert "Digabung" in text
    assert target.number in text
    assert "Satu ruas" in text
    assert "Rp 7" in text
    assert proposal.number in client.get(url(target)).text


@pytest.mark.parametrize(
    ("persona", "buttons", "absent"),
    [
        ("operator_banjar", ["Ubah usulan", "Ajukan ke provinsi"], ["dan verifikasi</a>", "Kembalikan untuk"]),
        ("verifier", [], ["Ubah usulan", "Ajukan ke provinsi", "dan verifikasi</a>"]),
        ("viewer", [], ["Ubah usulan", "Ajukan ke provinsi", "Tindakan"]),
    ],
)
def test_only_the_actions_allowed_now_are_offered(client, request, persona, buttons, absent, proposal):
    client.force_login(request.getfixturevalue(persona))
    text = client.get(url(proposal)).text
    for button in buttons:
        assert button in text
    for button in absent:
        assert button not in text


def test_verifier_sees_verify_and_return_on_a_submitted_proposal(client, verifier, proposal):
    proposal.status = Proposal.Status.SUBMITTED
    proposal.save()
    client.force_login(verifier)
    text = client.get(url(proposal)).text
    # Verifying goes through the readiness checklist on the verification page; returning can be done from here.
    assert "Periksa kesiapan dan verifikasi</a>" in text
    assert "Kembalikan untuk perbaikan</button>" in text
    assert "Ubah usulan" not in text


def test_level_mismatch_warning_on_the_detail_page(client, operator_banjar, banjar):
    proposal = funded_proposal(region=banjar, scheme="APBD_PROV")  # the default sub kegiatan is a .2. code
    client.force_login(operator_banjar)
    assert "Sub kegiatan berkode .2. dilaksanakan oleh Kabupaten/Kota" in client.get(url(proposal)).text


def test_another_kabupatens_proposal_is_404(client, operator_tapin, proposal):
    client.force_login(operator_tapin)
    assert client.get(url(proposal)).status_code == 404


def test_user_without_role_gets_404(client, proposal):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="tanpa.peran"))
    assert client.get(url(proposal)).status_code == 404


@pytest.mark.parametrize("persona", ["verifier", "planner", "secretary", "viewer", "superuser"])
def test_provincial_roles_read(client, request, persona, proposal):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(proposal)).status_code == 200


def test_post_is_405(client, operator_banjar, proposal):
    client.force_login(operator_banjar)
    assert client.post(url(proposal)).status_code == 405


def test_query_count_does_not_grow_with_history(
    client, operator_banjar, verifier, proposal, django_assert_max_num_queries
):
    for _ in range(5):
        services.proposal_submit(proposal=proposal, user=operator_banjar)
        services.proposal_withdraw(proposal=proposal, user=operator_banjar)
    for _ in range(3):
        DecisionFunding.objects.create(
            decision=DecisionFactory(proposal=proposal, outcome=Decision.Outcome.AGREED),
            scheme=FundingSchemeFactory(code="APBD_KAB"),
            amount=Decimal(1),
        )
    for turn in range(3):
        comment_add(proposal=proposal, user=operator_banjar, text=f"Pertanyaan {turn}")
        comment_add(proposal=proposal, user=verifier, text=f"Jawaban {turn}")
    client.force_login(operator_banjar)
    # 11 reads: session, user, roles, the proposal (with whether it may overlap another and its last readiness
    # check's id: neither list is read when there is none), its funding lines, its carry-overs, its decisions and
    # those merged into it (one query), their funding lines, the history (the schemes' names come with the funding
    # lines), the documents, the comment thread; + the session's activity stamp (a savepoint, an UPDATE and its
    # release, at most once a minute). tests/test_page_queries.py holds every role to 12 on a fuller page.
    with django_assert_max_num_queries(14):
        response = client.get(url(proposal))
    assert response.status_code == 200


def test_history_written_by_the_system_shows_sistem(client, operator_banjar, proposal):
    services.proposal_submit(proposal=proposal, user=None)
    client.force_login(operator_banjar)
    response = client.get(url(proposal))
    assert response.status_code == 200
    assert "sistem" in response.text


def test_coordinates_and_volumes_read_as_typed_without_column_zeros(client, operator_banjar, banjar, pupr_banjar):
    """Typed `1,8` and `-3,4128` come back as `1,8` and `-3,4128`, not `1,80` or `-3,412800, 114,851200`, whose
    commas could not be told from the separator between the two coordinates."""
    proposal = funded_proposal(region=banjar, agency=pupr_banjar)
    Proposal.objects.filter(pk=proposal.pk).update(
        volume=Decimal("1.80"), latitude=Decimal("-3.412800"), longitude=Decimal("114.851200")
    )
    client.force_login(operator_banjar)
    text = client.get(url(proposal)).text
    assert "Lintang -3,4128 · Bujur 114,8512" in text
    assert "1,8 km" in text
    assert "1,80" not in text


def test_an_empty_forward_estimate_is_one_dash(client, operator_banjar, proposal):
    client.force_login(operator_banjar)
    text = client.get(url(proposal)).text
    assert "— · —" not in text
    Proposal.objects.filter(pk=proposal.pk).update(forward_volume=Decimal("2.50"), forward_amount=Decimal(900_000_000))
    assert "2,5 km · Rp 900.000.000" in client.get(url(proposal)).text
