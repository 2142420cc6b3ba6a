"""A proposal's thread on its page: the operator and the verifier talk, whoever sees the proposal reads, the viewer
does not write, another kabupaten/kota gets 404; text is shown as typed, never as HTML."""

from __future__ import annotations

import pytest
from django.urls import reverse

from programs.models import Notification, Proposal, ProposalComment
from tests.factories import UserFactory, funded_proposal

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'


@pytest.fixture
def proposal(banjar, pupr_banjar):
    return funded_proposal(
        region=banjar, agency=pupr_banjar, status=Proposal.Status.RETURNED, name="Jalan Sungai Tabuk"
    )


def post(client, proposal, text):
    return client.post(reverse("programs:comment-create", args=[proposal.pk]), {"text": text}, follow=True)


def test_the_operator_answers_and_the_verifier_reads_it_on_the_page(client, operator_banjar, verifier, proposal):
    client.force_login(operator_banjar)
    response = post(client, proposal, f"DED sudah dilampirkan.\nRAB menyusul {SCRIPT}")

    assert response.redirect_chain[-1][0] == f"{proposal.get_absolute_url()}#diskusi"
    assert "Komentar terkirim." in response.text
    comment = ProposalComment.objects.get()
    assert comment.author == operator_banjar and comment.proposal == proposal
    client.force_login(verifier)
    page = client.get(proposal.get_absolute_url()).text
    assert "DED sudah dilampirkan.<br>RAB menyusul &lt;script&gt;" in page
    assert SCRIPT not in page
    assert "operator.banjar" in page
    assert Notification.objects.filter(recipient=verifier, kind=Notification.Kind.COMMENTED).count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   \n ", "Komentar kosong: tuliskan pesan Anda."),
        ("x" * 4001, "Komentar terlalu panjang: paling banyak 4000 karakter, ini 4001."),
    ],
)
def test_an_empty_or_too_long_comment_is_refused_with_a_message(client, operator_banjar, proposal, text, message):
    client.force_login(operator_banjar)

    response = post(client, proposal, text)

    assert response.status_code == 200
    assert message in response.text
    assert not ProposalComment.objects.exists()
    assert not Notification.objects.exists()


def test_the_viewer_reads_the_thread_but_may_not_write(client, operator_banjar, viewer, proposal):
    ProposalComment.objects.create(proposal=proposal, author=operator_banjar, text="Mohon arahan soal status lahan.")
    client.force_login(viewer)

    page = client.get(proposal.get_absolute_url()).text
    assert "Mohon arahan soal status lahan." in page
    assert reverse("programs:comment-create", args=[proposal.pk]) not in page

    assert client.post(reverse("programs:comment-create", args=[proposal.pk]), {"text": "Setuju."}).status_code == 403
    assert ProposalComment.objects.count() == 1


def test_another_kabupaten_gets_404_for_the_thread(client, operator_banjar, operator_tapin, proposal):
    ProposalComment.objects.create(proposal=proposal, author=operator_banjar, text="Catatan internal Banjar.")
    client.force_login(operator_tapin)

    assert client.get(reverse("programs:comment-list", args=[proposal.pk])).status_code == 404
    assert client.post(reverse("programs:comment-create", args=[proposal.pk]), {"text": "Halo"}).status_code == 404
    assert ProposalComment.objects.count() == 1


def test_the_thread_page_lists_comments_oldest_first(client, operator_banjar, verifier, proposal):
    ProposalComment.objects.create(proposal=proposal, author=verifier, text="Lampirkan DED.")
    ProposalComment.objects.create(proposal=proposal, author=operator_banjar, text="Sudah, terima kasih.")
    client.force_login(operator_banjar)

    page = client.get(reverse("programs:comment-list", args=[proposal.pk])).text

    assert page.index("Lampirkan DED.") < page.index("Sudah, terima kasih.")


def test_a_signed_in_account_without_a_role_gets_404(client, proposal):
    client.force_login(UserFactory(username="tanpa.peran"))

    assert client.get(reverse("programs:comment-list", args=[proposal.pk])).status_code == 404


def test_writing_needs_a_post(client, operator_banjar, proposal):
    client.force_login(operator_banjar)

    assert client.get(reverse("programs:comment-create", args=[proposal.pk])).status_code == 405
