"""Signing in resists guessing: a username, and an address, is locked after AXES_FAILURE_LIMIT failures, on our login
page and on the admin's, until the cool-off has passed or an administrator unlocks it. Sessions end when idle."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from rakornis.signin import client_ip
from tests.admin_support import admin_url
from tests.rakornis.settings_env import settings_under

pytestmark = pytest.mark.django_db

PASSWORD = "rakornis-demo"  # the factories' password
LIMIT = 5


@pytest.fixture(autouse=True)
def lockout(settings):
    """The lockout as in production (tests/conftest.py turns it off for the rest of the suite)."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    settings.TRUSTED_PROXY_COUNT = 0


def sign_in(client, username, password, *, url=None, address="127.0.0.1", **extra):
    return client.post(
        url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def fail(client, username, times, **kwargs) -> list[int]:
    """Wrong passwords: "wrong" until the limit is reached, the lockout page (429) from the failure that reaches it."""
    statuses = []
    for _ in range(times):
        response = sign_in(client, username, "salah-tebak", **kwargs)
        statuses.append(response.status_code)
        if response.status_code == 200:
            assert "Nama pengguna atau kata sandi salah" in response.text
    return statuses


def test_the_right_password_signs_in_after_fewer_failures_than_the_limit(client, operator_banjar):
    fail(client, "operator.banjar", LIMIT - 1)
    response = sign_in(client, "operator.banjar", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in(client)


def test_after_the_limit_the_right_password_is_refused_with_an_indonesian_page(client, operator_banjar):
    assert fail(client, "operator.banjar", LIMIT) == [200] * (LIMIT - 1) + [429]
    response = sign_in(client, "operator.banjar", PASSWORD)
    assert response.status_code == 429
    assert "Terlalu banyak percobaan masuk yang gagal" in response.text
    assert "operator.banjar" in response.text
    assert "Coba lagi setelah 30 menit" in response.text
    assert not signed_in(client)


def test_the_lockout_counts_per_username_whatever_the_address(client, operator_banjar):
    for n in range(LIMIT):
        fail(client, "operator.banjar", 1, address=f"198.51.100.{n + 1}")
    assert sign_in(client, "operator.banjar", PASSWORD, address="203.0.113.9").status_code == 429
    assert not signed_in(client)


def test_the_lockout_counts_per_address_whatever_the_username(client, operator_banjar, operator_tapin):
    for n in range(LIMIT):
        fail(client, f"tebakan{n}", 1, address="198.51.100.7")
    # Another account from the guessing address is refused; the same account from elsewhere is not.
    assert sign_in(client, "operator.tapin", PASSWORD, address="198.51.100.7").status_code == 429
    assert not signed_in(client)
    assert sign_in(client, "operator.tapin", PASSWORD, address="203.0.113.9").status_code == 302
    assert signed_in(client)


def test_the_admin_login_form_is_locked_too(client, superuser):
    url = reverse("admin:login")
    fail_admin = [sign_in(client, "admin", "salah-tebak", url=url) for _ in range(LIMIT)]
    assert [response.status_code for response in fail_admin] == [200] * (LIMIT - 1) + [429]
    response = sign_in(client, "admin", PASSWORD, url=url)
    assert response.status_code == 429
    assert "Terlalu banyak percobaan masuk yang gagal" in response.text
    assert client.get(reverse("admin:index")).status_code == 302  # still not signed in


def test_failures_on_the_admin_form_count_on_ours(client, superuser):
    for _ in range(LIMIT):
        sign_in(client, "admin", "salah-tebak", url=reverse("admin:login"))
    assert sign_in(client, "admin", PASSWORD).status_code == 429


def test_the_lock_opens_by_itself_after_the_cool_off(client, operator_banjar):
    fail(client, "operator.banjar", LIMIT)
    assert sign_in(client, "operator.banjar", PASSWORD).status_code == 429
    # 31 minutes pass since the last failure.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert sign_in(client, "operator.banjar", PASSWORD).status_code == 302
    assert signed_in(client)


def test_an_administrator_unlocks_in_the_admin(client, operator_banjar, superuser):
    fail(client, "operator.banjar", LIMIT)
    admin = type(client)()
    admin.force_login(superuser)
    changelist = admin.get(admin_url(AccessAttempt, "changelist"))
    assert changelist.status_code == 200
    assert "operator.banjar" in changelist.text
    attempt = AccessAttempt.objects.get(username="operator.banjar")
    response = admin.post(admin_url(AccessAttempt, "delete", attempt.pk), {"post": "yes"})
    assert response.status_code == 302
    assert sign_in(client, "operator.banjar", PASSWORD).status_code == 302


def test_an_operator_sees_nothing_of_the_lockouts_in_the_admin(client, operator_banjar):
    fail(client, "operator.banjar", LIMIT)
    other = type(client)()
    other.force_login(operator_banjar)
    response = other.get(admin_url(AccessAttempt, "changelist"))
    assert response.status_code == 302  # the admin sends a non-staff user to its login page
    assert "operator.banjar" not in response.text


def test_an_administrator_unlocks_with_a_command(client, operator_banjar):
    fail(client, "operator.banjar", LIMIT)
    assert sign_in(client, "operator.banjar", PASSWORD).status_code == 429
    call_command("axes_reset_username", "operator.banjar")
    # The address is locked too (all failures came from it): reset it as well, as the README says.
    call_command("axes_reset_ip", "127.0.0.1")
    assert sign_in(client, "operator.banjar", PASSWORD).status_code == 302


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, settings, operator_banjar):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for n in range(LIMIT):
        # The guesser forges a new leftmost address each time; the proxy appends the real one.
        fail(client, f"tebakan{n}", 1, address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7")
    refused = sign_in(client, "operator.banjar", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert refused.status_code == 429
    # Another office behind the same proxy is not locked out.
    allowed = sign_in(client, "operator.banjar", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert allowed.status_code == 302


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.2"),  # no proxy configured: the header is the client's word, ignored
        (1, "192.0.2.1, 198.51.100.7", "198.51.100.7"),
        (2, "192.0.2.1, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "198.51.100.7", "198.51.100.7"),  # fewer entries than proxies: the leftmost there is
        (1, "", "10.0.0.2"),
    ],
)
def test_client_ip(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_lockout_settings_come_from_the_environment():
    names = ["AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", "TRUSTED_PROXY_COUNT", "AUTHENTICATION_BACKENDS"]
    default = settings_under(names)
    assert default["AXES_FAILURE_LIMIT"] == 5
    assert default["AXES_COOLOFF_TIME"] == "0:30:00"
    assert default["TRUSTED_PROXY_COUNT"] == 0
    assert default["AUTHENTICATION_BACKENDS"][0] == "axes.backends.AxesStandaloneBackend"
    custom = settings_under(names, AXES_FAILURE_LIMIT="10", AXES_COOLOFF_MINUTES="60", TRUSTED_PROXY_COUNT="1")
    assert (custom["AXES_FAILURE_LIMIT"], custom["AXES_COOLOFF_TIME"], custom["TRUSTED_PROXY_COUNT"]) == (
        10,
        "1:00:00",
        1,
    )
    assert "AXES_FAILURE_LIMIT must be an integer" in settings_under(names, AXES_FAILURE_LIMIT="lima")["error"]


# Sessions


def session_of(client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_a_session_lasts_the_idle_timeout_from_sign_in(client, settings, operator_banjar):
    settings.SESSION_COOKIE_AGE = 8 * 3600
    response = sign_in(client, "operator.banjar", PASSWORD)
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600
    left = session_of(client).expire_date - timezone.now()
    assert timedelta(hours=7, minutes=59) < left <= timedelta(hours=8)


def test_using_the_application_keeps_the_session_alive(client, operator_banjar):
    sign_in(client, "operator.banjar", PASSWORD)
    # Two hours later (the last refresh long ago, 10 minutes left), the user opens a page: 8 hours again.
    session = session_of(client)
    store = session.get_decoded()
    store["last_activity"] -= 7200
    Session.objects.filter(pk=session.pk).update(
        session_data=Session.objects.encode(store), expire_date=timezone.now() + timedelta(minutes=10)
    )
    assert client.get(reverse("home")).status_code == 200
    assert session_of(client).expire_date - timezone.now() > timedelta(hours=7, minutes=59)


def test_pages_within_a_minute_do_not_rewrite_the_session(client, operator_banjar):
    sign_in(client, "operator.banjar", PASSWORD)
    before = session_of(client).expire_date
    Session.objects.filter(pk=session_of(client).pk).update(expire_date=before - timedelta(minutes=5))
    assert client.get(reverse("home")).status_code == 200
    assert session_of(client).expire_date == before - timedelta(minutes=5)


def test_an_idle_session_has_ended(client, operator_banjar):
    sign_in(client, "operator.banjar", PASSWORD)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sessions_can_end_when_the_browser_closes(client, settings, operator_banjar):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    response = sign_in(client, "operator.banjar", PASSWORD)
    cookie = response.cookies["sessionid"]
    assert cookie.value and not cookie["max-age"] and not cookie["expires"]
    # The idle timeout still holds on the server.
    assert session_of(client).expire_date - timezone.now() <= timedelta(hours=8)


def test_session_settings_come_from_the_environment():
    names = ["SESSION_COOKIE_AGE", "SESSION_EXPIRE_AT_BROWSER_CLOSE"]
    assert settings_under(names) == {"SESSION_COOKIE_AGE": 8 * 3600, "SESSION_EXPIRE_AT_BROWSER_CLOSE": False}
    assert settings_under(names, SESSION_IDLE_TIMEOUT="1800", SESSION_EXPIRE_AT_BROWSER_CLOSE="true") == {
        "SESSION_COOKIE_AGE": 1800,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
    }
