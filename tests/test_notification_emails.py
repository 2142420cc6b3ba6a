"""Issue 10, item 2: notification emails link to the page they are about, from SITE_URL (the application's own
address); `check --deploy` warns when mail is sent without it or it is not https."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from programs import services
from programs.models import Notification, Proposal
from programs.notifications import SUMMARY_AFTER, notification_emails_send, notify
from rakornis.checks import site_url_check
from rakornis.settings import envurl
from tests.factories import funded_proposal

pytestmark = pytest.mark.django_db

SITE = "https://rakornis.kalselprov.go.id"


@pytest.fixture
def addressed(operator_banjar, operator_tapin, verifier, verifier_banjar):
    people = [operator_banjar, operator_tapin, verifier, verifier_banjar]
    for user in people:
        user.email = f"{user.username}@kalselprov.go.id"
        user.save(update_fields=["email"])
    return people


def submit_and_send(proposal, user, callbacks_fixture) -> None:
    """The service fires the event; the email task runs when the transaction commits, as the worker would."""
    with callbacks_fixture(execute=True):
        services.proposal_submit(proposal=proposal, user=user)


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def test_the_email_carries_the_absolute_link_to_the_proposal(
    settings, addressed, banjar, pupr_banjar, operator_banjar, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_EMAILS = True
    settings.SITE_URL = SITE
    proposal = funded_proposal(region=banjar, agency=pupr_banjar)

    submit_and_send(proposal, operator_banjar, django_capture_on_commit_callbacks)

    (message,) = mails_to("verifikator.pupr@kalselprov.go.id")
    link = f"{SITE}{reverse('programs:proposal-detail', args=[proposal.pk])}"
    assert link == f"{SITE}/usulan/{proposal.pk}/"
    assert f"Lihat rinciannya: {link}\n" in message.body
    assert message.content_subtype == "plain"  # plain text: no markup to escape, clients link the address


def test_without_site_url_the_email_names_the_page_on_the_site(
    settings, addressed, banjar, pupr_banjar, operator_banjar, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_EMAILS = True
    settings.SITE_URL = ""
    proposal = funded_proposal(region=banjar, agency=pupr_banjar)

    submit_and_send(proposal, operator_banjar, django_capture_on_commit_callbacks)

    (message,) = mails_to("verifikator.pupr@kalselprov.go.id")
    assert f"Lihat rinciannya di Rakornis, halaman /usulan/{proposal.pk}/\n" in message.body
    assert "http" not in message.body


def test_a_summary_links_to_the_proposal_list(
    settings, addressed, banjar, pupr_banjar, operator_banjar, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_EMAILS = True
    settings.SITE_URL = SITE
    proposals = [funded_proposal(region=banjar, agency=pupr_banjar) for _ in range(SUMMARY_AFTER + 1)]

    # One event over more than SUMMARY_AFTER proposals (a bulk submission) leaves one summary per person.
    with django_capture_on_commit_callbacks(execute=True):
        notify(Notification.Kind.SUBMITTED, proposals, operator_banjar)

    (message,) = mails_to("verifikator.pupr@kalselprov.go.id")
    assert message.body.startswith(f"{SUMMARY_AFTER + 1} usulan diajukan oleh operator.banjar")
    assert f"Lihat rinciannya: {SITE}/usulan/\n" in message.body


def test_a_task_queued_by_the_previous_release_still_sends(settings):
    settings.SITE_URL = SITE
    notification_emails_send.call(subject="Rakornis: Usulan diajukan", messages=[["a@kalselprov.go.id", "Teks."]])
    assert "Buka Rakornis untuk melihat rinciannya." in mail.outbox[0].body


def test_someone_who_may_not_see_the_proposal_gets_no_email_and_no_link(
    settings, addressed, banjar, pupr_banjar, operator_banjar, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_EMAILS = True
    settings.SITE_URL = SITE
    proposal = funded_proposal(region=banjar, agency=pupr_banjar)
    submit_and_send(proposal, operator_banjar, django_capture_on_commit_callbacks)
    verifier_link = f"{SITE}/usulan/{proposal.pk}/"

    # Tapin's operator sees no Banjar proposal: no email, so no link reaches them.
    assert mails_to("operator.tapin@kalselprov.go.id") == []
    assert {tuple(message.to) for message in mail.outbox} == {
        ("verifikator.pupr@kalselprov.go.id",),
        ("verifikator.banjar@kalselprov.go.id",),
    }
    assert all(verifier_link in message.body for message in mail.outbox)
    assert Proposal.objects.for_user(addressed[1]).filter(pk=proposal.pk).exists() is False


# The setting and its check -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ""),
        ("https://rakornis.kalselprov.go.id/", "https://rakornis.kalselprov.go.id"),
        ("  https://rakornis.kalselprov.go.id  ", "https://rakornis.kalselprov.go.id"),
        ("https://pemda.go.id/rakornis/", "https://pemda.go.id/rakornis"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_site_url_is_read_as_an_address_without_a_trailing_slash(monkeypatch, value, expected):
    monkeypatch.setenv("SITE_URL", value)
    assert envurl("SITE_URL") == expected


@pytest.mark.parametrize(
    "value", ["rakornis.kalselprov.go.id", "ftp://rakornis.go.id", "https://", "https://x.id/?a=1"]
)
def test_a_site_url_that_is_no_address_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("SITE_URL", value)
    with pytest.raises(ImproperlyConfigured, match="SITE_URL must be an address"):
        envurl("SITE_URL")


@pytest.mark.parametrize(
    ("emails", "site_url", "ids"),
    [
        (True, "", ["rakornis.W001"]),
        (True, "http://rakornis.kalselprov.go.id", ["rakornis.W002"]),
        (False, "http://rakornis.kalselprov.go.id", ["rakornis.W002"]),
        (True, SITE, []),
        (False, "", []),
    ],
)
def test_the_deploy_check_warns_about_links_in_mail(settings, emails, site_url, ids):
    settings.NOTIFICATION_EMAILS = emails
    settings.SITE_URL = site_url
    assert [message.id for message in site_url_check()] == ids


def test_check_deploy_fails_at_warning_level_without_site_url(settings):
    settings.NOTIFICATION_EMAILS = True
    settings.SITE_URL = ""
    with pytest.raises(SystemCheckError, match="rakornis.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")
