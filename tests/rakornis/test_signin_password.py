"""Every signed-in user changes their password; a forgotten one is reset by email where the server has a relay."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD = "rakornis-demo"  # the factories' password
NEW = "Tanggul-Tabanio-2027"


def password_is(user, password: str) -> bool:
    return get_user_model().objects.get(pk=user.pk).check_password(password)


def change(client, old=OLD, new1=NEW, new2=NEW):
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": new1, "new_password2": new2})


# Change


def test_the_user_menu_offers_the_password_change(client, operator_banjar):
    client.force_login(operator_banjar)
    home = client.get(reverse("home")).text
    assert f'href="{reverse("password_change")}">Ubah kata sandi</a>' in home
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert "Ubah kata sandi" in page.text and 'name="old_password"' in page.text


@pytest.mark.parametrize("persona", ["operator_banjar", "verifier", "viewer", "superuser"])
def test_every_user_changes_their_password_and_stays_signed_in(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = change(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert "Kata sandi baru Anda berlaku" in client.get(response["Location"]).text
    assert password_is(user, NEW)
    assert client.get(reverse("home")).status_code == 200  # this session goes on


def test_a_wrong_old_password_changes_nothing(client, operator_banjar):
    client.force_login(operator_banjar)
    response = change(client, old="bukan-sandi-lama")
    assert response.status_code == 200
    assert "Sandi lama Anda yang dimasukkan salah" in response.text
    assert password_is(operator_banjar, OLD)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("pendek1", "Kata sandi terlalu pendek"),
        ("83920174659", "Kata sandi ini seluruhnya terdiri dari angka"),
        ("password123", "Kata sandi ini terlalu umum"),
        ("operator.banjar", "Kata sandi terlalu mirip dengan nama pengguna"),
    ],
)
def test_django_password_validators_refuse_a_weak_password(client, operator_banjar, new, message):
    client.force_login(operator_banjar)
    response = change(client, new1=new, new2=new)
    assert response.status_code == 200
    assert message in response.text
    assert password_is(operator_banjar, OLD)


def test_the_two_new_passwords_must_match(client, operator_banjar):
    client.force_login(operator_banjar)
    response = change(client, new2=NEW + "x")
    assert response.status_code == 200
    assert "Dua bidang sandi tidak cocok" in response.text
    assert password_is(operator_banjar, OLD)


def test_anonymous_visitors_go_to_the_login_page(client):
    for name in ("password_change", "password_change_done"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    assert client.post(reverse("password_change"), {"old_password": OLD}).status_code == 302


# Reset by email


@pytest.fixture
def reset_by_email(settings):
    settings.PASSWORD_RESET_ENABLED = True


@pytest.fixture
def banjar_with_email(operator_banjar):
    operator_banjar.email = "operator.banjar@banjarkab.go.id"
    operator_banjar.save(update_fields=["email"])
    return operator_banjar


def test_without_a_mail_relay_there_is_no_reset(client, settings, banjar_with_email):
    settings.PASSWORD_RESET_ENABLED = False
    assert "Lupa kata sandi" not in client.get(reverse("login")).text
    assert client.get(reverse("password_reset")).status_code == 404
    response = client.post(reverse("password_reset"), {"email": banjar_with_email.email})
    assert response.status_code == 404
    assert mail.outbox == []


def test_a_forgotten_password_is_reset_through_the_emailed_link(client, reset_by_email, banjar_with_email):
    login_page = client.get(reverse("login")).text
    assert f'href="{reverse("password_reset")}">Lupa kata sandi?</a>' in login_page
    response = client.post(reverse("password_reset"), {"email": "Operator.Banjar@banjarkab.go.id"})
    assert response.status_code == 302
    assert "Periksa email Anda" in client.get(response["Location"]).text
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["operator.banjar@banjarkab.go.id"]
    assert message.subject == "Atur ulang kata sandi Rakornis"
    assert "Nama pengguna Anda: operator.banjar" in message.body
    link = re.search(r"http://testserver(/masuk/atur-ulang/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "Buat kata sandi baru" in form.text
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    assert "Kata sandi baru Anda sudah disimpan" in client.get(done["Location"]).text
    assert password_is(banjar_with_email, NEW)
    # The link works once.
    assert "Tautan tidak berlaku" in client.get(link, follow=True).text


def test_a_weak_new_password_is_refused_on_reset(client, reset_by_email, banjar_with_email):
    client.post(reverse("password_reset"), {"email": banjar_with_email.email})
    link = re.search(r"http://testserver(/masuk/atur-ulang/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "83920174659", "new_password2": "83920174659"})
    assert response.status_code == 200
    assert "Kata sandi ini seluruhnya terdiri dari angka" in response.text
    assert password_is(banjar_with_email, OLD)


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, reset_by_email, banjar_with_email):
    response = client.post(reverse("password_reset"), {"email": "orang.lain@example.go.id"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_bad_address_is_refused_with_a_message(client, reset_by_email):
    response = client.post(reverse("password_reset"), {"email": "bukan-email"})
    assert response.status_code == 200
    assert "alamat email yang valid" in response.text
    assert mail.outbox == []


def test_a_forged_link_resets_nothing(client, reset_by_email, banjar_with_email):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "set-password"]))
    assert response.status_code == 200
    assert "Tautan tidak berlaku" in response.text
    other = UserFactory(username="lain", email="lain@example.go.id")
    assert password_is(other, OLD) and password_is(banjar_with_email, OLD)
