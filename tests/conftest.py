import os
from datetime import date
from pathlib import Path

import pytest
from django.utils import translation

from agencies.models import Agency, StaffRole
from rakornis import fiscal_year
from tests.factories import AgencyFactory, StaffRoleFactory, UserFactory, province, regency


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # PBKDF2 costs ~0.3 s a user; the suite creates hundreds. Production keeps Django's default hashers.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Background Excel jobs run synchronously, inside the request that queues them; files go to a temporary folder.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # django-axes refuses an authenticate() without a request, which client.login() is; the sign-in tests
    # (tests/rakornis/test_signin*.py) turn the lockout back on and go through the real login forms.
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _planning_year_2027(monkeypatch):
    """The factories make TA 2027 proposals and meetings; the suite plans TA 2027 whatever day it runs on, so that a
    page showing the planning year by default shows them (tests/test_fiscal_year.py checks the real clock)."""
    monkeypatch.setattr(fiscal_year, "today", lambda: date(2026, 11, 29))


@pytest.fixture(autouse=True)
def _language_reset():
    """A test whose requests chose English leaves the thread in English (LocaleMiddleware activates a language and
    nothing deactivates it): the next test starts in the default language, as a new request or a worker does."""
    yield
    translation.deactivate()


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright's sync API, one for the whole session and every directory (tests/browser,
    the Berita Acara's PDF in tests/meetings): a second sync Playwright alive beside it refuses to start."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test does it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def banjar():
    return regency("63.03", "Kabupaten Banjar")


@pytest.fixture
def tapin():
    return regency("63.05", "Kabupaten Tapin")


@pytest.fixture
def pupr_kalsel():
    return AgencyFactory(
        name="Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Kalimantan Selatan",
        short_name="Dinas PUPR Prov. Kalsel",
        level=Agency.Level.PROVINCIAL,
        region=province("63", "Kalimantan Selatan"),
    )


@pytest.fixture
def pupr_banjar(banjar):
    return AgencyFactory(short_name="Dinas PUPR Kab. Banjar", region=banjar)


@pytest.fixture
def pupr_tapin(tapin):
    return AgencyFactory(short_name="Dinas PUPR Kab. Tapin", region=tapin)


def _person(username: str, agency, role: str):
    user = UserFactory(username=username)
    StaffRoleFactory(user=user, agency=agency, role=role)
    return user


@pytest.fixture
def operator_banjar(pupr_banjar):
    return _person("operator.banjar", pupr_banjar, StaffRole.Role.OPERATOR)


@pytest.fixture
def operator_tapin(pupr_tapin):
    return _person("operator.tapin", pupr_tapin, StaffRole.Role.OPERATOR)


@pytest.fixture
def verifier(pupr_kalsel):
    return _person("verifikator.pupr", pupr_kalsel, StaffRole.Role.VERIFIER)


@pytest.fixture
def planner(pupr_kalsel):
    return _person("perencana.pupr", pupr_kalsel, StaffRole.Role.PLANNER)


@pytest.fixture
def secretary(pupr_kalsel):
    return _person("sekretariat", pupr_kalsel, StaffRole.Role.SECRETARY)


@pytest.fixture
def viewer(pupr_kalsel):
    return _person("pimpinan", pupr_kalsel, StaffRole.Role.VIEWER)


@pytest.fixture
def superuser():
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


# Kabupaten-level personas with provincial-sounding roles: each role applies in its agency's region only, so they
# act on Banjar's proposals and meetings, never on the provincial Rakornis or Tapin's rows.
@pytest.fixture
def secretary_banjar(pupr_banjar):
    return _person("sekretariat.banjar", pupr_banjar, StaffRole.Role.SECRETARY)


@pytest.fixture
def planner_banjar(pupr_banjar):
    return _person("perencana.banjar", pupr_banjar, StaffRole.Role.PLANNER)


@pytest.fixture
def verifier_banjar(pupr_banjar):
    return _person("verifikator.banjar", pupr_banjar, StaffRole.Role.VERIFIER)
