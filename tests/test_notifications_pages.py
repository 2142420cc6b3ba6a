"""The notifications a user sees: the unread count in the header, the page (newest first, paginated), opening one,
marking one or all read, and the preferences page. Nobody opens or marks another's: 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from programs import services
from programs.models import Notification, NotificationPreference, Proposal
from programs.notification_views import PAGE_SIZE
from programs.notifications import UNREAD_CAP
from tests.factories import funded_proposal

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


@pytest.fixture
def returned(banjar, pupr_banjar, operator_banjar, verifier):
    """A Banjar proposal the verifier returned with a note: Banjar's operator has one notification."""
    proposal = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED, name="Jalan Gambut")
    services.proposal_return(proposal=proposal, user=verifier, note="Lampirkan DED dan foto lokasi 0 %.")
    return proposal


def badge(client) -> str:
    page = client.get(reverse("home")).text
    start = page.index('id="notification-badge"')
    return page[start : page.index("</a>", start)]


def test_the_header_counts_the_unread_and_the_page_shows_the_return_note(client, operator_banjar, returned):
    client.force_login(operator_banjar)

    assert '<span class="badge rounded-pill text-bg-danger">1<' in badge(client)
    page = client.get(reverse("notifications:notification-list")).text
    assert "Usulan dikembalikan" in page
    assert f"Usulan {returned.number} \u2014 Jalan Gambut dikembalikan oleh verifikator.pupr." in page
    assert "Catatan: Lampirkan DED dan foto lokasi 0 %." in page


def test_opening_a_notification_marks_it_read_and_goes_to_the_proposal(client, operator_banjar, returned):
    client.force_login(operator_banjar)
    notification = Notification.objects.get(recipient=operator_banjar)

    response = client.post(reverse("notifications:notification-open", args=[notification.pk]))

    assert response.status_code == 302 and response["Location"] == returned.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "text-bg-danger" not in badge(client)


def test_mark_one_and_mark_all_read(client, operator_banjar, banjar, pupr_banjar, verifier):
    proposals = [funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED) for _ in range(3)]
    for proposal in proposals:
        services.proposal_verify(proposal=proposal, user=verifier)
    first = Notification.objects.filter(recipient=operator_banjar).first()
    client.force_login(operator_banjar)

    client.post(reverse("notifications:notification-read", args=[first.pk]))
    assert Notification.objects.for_user(operator_banjar).unread().count() == 2

    response = client.post(reverse("notifications:notification-read-all"), follow=True)
    assert "2 notifikasi ditandai sudah dibaca." in response.text
    assert not Notification.objects.for_user(operator_banjar).unread().exists()


def test_another_users_notification_is_404_and_stays_unread(client, operator_tapin, verifier, returned):
    notification = Notification.objects.get()
    client.force_login(operator_tapin)

    assert client.post(reverse("notifications:notification-open", args=[notification.pk])).status_code == 404
    assert client.post(reverse("notifications:notification-read", args=[notification.pk])).status_code == 404
    client.post(reverse("notifications:notification-read-all"))
    page = client.get(reverse("notifications:notification-list")).text
    assert "Belum ada notifikasi" in page and returned.number not in page
    notification.refresh_from_db()
    assert notification.read_at is None
    # The verifier who returned it was not told of their own act either.
    client.force_login(verifier)
    assert returned.number not in client.get(reverse("notifications:notification-list")).text


def test_the_page_is_paginated_newest_first_and_the_badge_is_capped(client, operator_banjar, verifier):
    Notification.objects.bulk_create(
        Notification(recipient=operator_banjar, kind=Kind.VERIFIED, text=f"Pemberitahuan nomor {n:03d}.")
        for n in range(UNREAD_CAP + 5)
    )
    client.force_login(operator_banjar)

    first = client.get(reverse("notifications:notification-list")).text
    assert first.count('id="notifikasi-') == PAGE_SIZE
    assert "Pemberitahuan nomor 104." in first and "Pemberitahuan nomor 000." not in first
    last = client.get(reverse("notifications:notification-list"), {"page": 5}).text
    assert "Pemberitahuan nomor 000." in last
    assert f"{UNREAD_CAP - 1}+" in badge(client)
    assert client.get(reverse("notifications:notification-list"), {"page": "x"}).status_code == 200


def test_the_preferences_page_mutes_a_kind(client, operator_banjar, banjar, pupr_banjar, verifier):
    client.force_login(operator_banjar)
    page = client.get(reverse("notifications:notification-preferences")).text
    assert "Usulan diverifikasi" in page and "belum memiliki relai email" in page
    # Everything on except "verified" in the application.
    data = {f"{kind}-{way}": "on" for kind in Kind.values for way in ("in_app", "email")}
    del data["verified-in_app"]

    response = client.post(reverse("notifications:notification-preferences"), data, follow=True)

    assert "Pengaturan notifikasi disimpan." in response.text
    (preference,) = NotificationPreference.objects.filter(user=operator_banjar)
    assert (preference.kind, preference.in_app, preference.email) == (Kind.VERIFIED, False, True)
    services.proposal_verify(
        proposal=funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED), user=verifier
    )
    assert not Notification.objects.filter(recipient=operator_banjar).exists()


def test_preferences_are_each_users_own(client, operator_banjar, operator_tapin):
    client.force_login(operator_tapin)
    client.post(reverse("notifications:notification-preferences"), {})  # every box unticked: all muted

    assert NotificationPreference.objects.filter(user=operator_tapin).count() == len(Kind.values)
    assert not NotificationPreference.objects.filter(user=operator_banjar).exists()


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("notifications:notification-list"))

    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_count_is_taken_at_sign_in_and_again_after_a_minute_without_a_query_between(
    client, operator_banjar, verifier, banjar, pupr_banjar, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from programs import notifications

    client.force_login(operator_banjar)  # counted now: nothing yet
    services.proposal_verify(
        proposal=funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED), user=verifier
    )
    with CaptureQueriesContext(connection) as queries:
        assert "text-bg-danger" not in badge(client)  # within the minute: the session's count, no query
    assert not [query for query in queries.captured_queries if "programs_notification" in query["sql"]]

    monkeypatch.setattr(notifications, "UNREAD_REFRESH_SECONDS", 0)
    assert '<span class="badge rounded-pill text-bg-danger">1<' in badge(client)
