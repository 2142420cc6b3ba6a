"""Security headers: Django's Content-Security-Policy with no inline script or style left in any page, HSTS and the
proxy's HTTPS header from the environment, and `Cache-Control: private, no-store` on signed-in pages and downloads."""

import re
import subprocess
import sys
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from programs.models import ExcelJob, Proposal
from rakornis.middleware import PrivateCacheMiddleware
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    FundingSchemeFactory,
    MeetingFactory,
    WorkPlanFactory,
    funded_proposal,
    verified_proposal,
)
from tests.rakornis.settings_env import CHECKOUT, environment, settings_under

pytestmark = pytest.mark.django_db

WITA = ZoneInfo("Asia/Makassar")
TEMPLATES = CHECKOUT / "templates"


class _InlineCode(HTMLParser):
    """Markup a strict CSP blocks: <script> without src and <style> without the response's nonce, style="" and
    on...="" attributes. JSON data blocks (json_script, the admin's constants) are data, not code."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__()
        self.nonce = nonce
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in attributes:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}={attributes[name]!r}>")
        nonced = self.nonce is not None and attributes.get("nonce") == self.nonce
        if tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json":
            if not nonced:
                self.found.append(f"<script> inline without the nonce, line {self.getpos()[0]}")
        if tag == "style" and not nonced:
            self.found.append(f"<style> without the nonce, line {self.getpos()[0]}")


def csp_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def inline_code(response) -> list[str]:
    nonces = [source for source in csp_of(response)["script-src"] if source.startswith("'nonce-")]
    parser = _InlineCode(nonces[0][len("'nonce-") : -1] if nonces else None)
    parser.feed(response.content.decode())
    return parser.found


def test_the_check_finds_inline_code():
    """The page test below is only as good as this parser."""
    for html in (
        "<script>alert(1)</script>",
        '<script nonce="other">x()</script>',
        "<style>p{}</style>",
        '<p style="color: red">',
        '<select onchange="this.form.submit()">',
    ):
        parser = _InlineCode("abc")
        parser.feed(html)
        assert parser.found, html
    parser = _InlineCode("abc")
    parser.feed(
        '<script src="/static/js/rakornis.js"></script><script type="application/json">{}</script>'
        '<style nonce="abc">p{}</style><script nonce="abc">x()</script><p data-confirm="Hapus?">'
    )
    assert parser.found == []


@pytest.fixture
def pages(banjar, pupr_banjar, pupr_kalsel, superuser):
    """One URL of each kind of page a signed-in user opens, with data in it."""
    FundingSchemeFactory(code="APBD_KAB")
    proposal = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.DRAFT)
    meeting = MeetingFactory(
        organiser=pupr_kalsel,
        starts_at=datetime(2026, 1, 29, 9, 0, tzinfo=WITA),
        ends_at=datetime(2026, 1, 29, 16, 0, tzinfo=WITA),
        fiscal_year=2027,
    )
    AttendanceFactory(meeting=meeting, name="Ir. Hadi Santoso")
    AgendaItemFactory(meeting=meeting, proposal=verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1_500_000_000}))
    work_plan = WorkPlanFactory(agency=pupr_kalsel)
    job = ExcelJob.objects.create(
        kind=ExcelJob.Kind.PROPOSAL_EXPORT, user=superuser, status=ExcelJob.Status.RUNNING, rows_total=10
    )
    return [
        reverse("home"),
        reverse("programs:proposal-list"),
        reverse("programs:proposal-detail", args=[proposal.pk]),
        reverse("programs:proposal-create"),
        reverse("programs:proposal-update", args=[proposal.pk]),
        reverse("programs:proposal-import"),
        reverse("programs:job-detail", args=[job.pk]),
        reverse("meetings:meeting-list"),
        reverse("meetings:meeting-create"),
        reverse("meetings:meeting-detail", args=[meeting.pk]),
        reverse("meetings:meeting-minutes", args=[meeting.pk]),
        reverse("workplans:workplan-list"),
        reverse("workplans:workplan-detail", args=[work_plan.pk]),
        reverse("password_change"),
        "/tidak-ada/",  # the 404 page
        reverse("admin:index"),
        reverse("admin:programs_proposal_changelist"),
        reverse("admin:programs_proposal_change", args=[proposal.pk]),
        reverse("admin:meetings_meeting_changelist"),
        reverse("admin:axes_accessattempt_changelist"),
        reverse("admin:password_change"),  # the admin's own link, drawn with our template
    ]


def test_every_page_has_the_csp_and_no_inline_code_without_its_nonce(client, superuser, pages):
    client.force_login(superuser)
    problems = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        policy = csp_of(response)
        assert policy["default-src"] == ["'self'"]
        assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
        if found := inline_code(response):
            problems[url] = found
    assert problems == {}


def test_pages_for_anonymous_visitors_have_the_csp_too(client, settings):
    settings.PASSWORD_RESET_ENABLED = True
    for url in (reverse("login"), reverse("password_reset")):
        response = client.get(url)
        assert response.status_code == 200
        assert csp_of(response)["frame-ancestors"] == ["'none'"]
        assert inline_code(response) == []


# Matches what the browser would block, in the template sources: catches a page the test above does not open.
INLINE_IN_SOURCE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE
)


def test_no_template_has_inline_script_or_style():
    found = [
        f"{path.relative_to(CHECKOUT)}: {match.group(0)}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in INLINE_IN_SOURCE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
    assert INLINE_IN_SOURCE.search('<select onchange="x()">') and not INLINE_IN_SOURCE.search('<script src="a.js">')


# Cache-Control


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_signed_in_pages_are_private_and_not_stored(client, operator_banjar, pages):
    client.force_login(operator_banjar)
    for url in (reverse("home"), reverse("programs:proposal-list"), reverse("password_change")):
        assert {"private", "no-store"} <= cache_control(client.get(url)), url


def test_a_page_for_an_anonymous_visitor_is_left_as_the_view_made_it():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = PrivateCacheMiddleware(lambda r: HttpResponse(b"x", headers={"Cache-Control": "max-age=60"}))(request)
    assert cache_control(response) == {"max-age=60"}


def test_excel_downloads_are_private_and_not_stored(client, settings, operator_banjar, banjar, pupr_banjar):
    FundingSchemeFactory(code="APBD_KAB")
    funded_proposal(region=banjar, agency=pupr_banjar)
    client.force_login(operator_banjar)
    direct = client.get(reverse("programs:proposal-export"))
    assert direct["Content-Disposition"].startswith("attachment")
    assert {"private", "no-store"} <= cache_control(direct)
    template = client.get(reverse("programs:proposal-template"))
    assert {"private", "no-store"} <= cache_control(template)
    # A big export runs as a background job; its file comes back through job-download.
    settings.EXCEL_BACKGROUND_THRESHOLD = 0
    job_page = client.get(reverse("programs:proposal-export"))
    assert job_page.status_code == 302
    job = ExcelJob.objects.get(user=operator_banjar)
    download = client.get(reverse("programs:job-download", args=[job.pk]))
    assert download.status_code == 200
    assert {"private", "no-store"} <= cache_control(download)


@pytest.mark.parametrize(
    "response",
    [
        pytest.param(HttpResponse(b"x", headers={"Content-Disposition": 'attachment; filename="a.xlsx"'}), id="xlsx"),
        pytest.param(FileResponse(iter([b"x"]), as_attachment=True, filename="a.xlsx"), id="file"),
    ],
)
def test_every_download_is_private_even_without_a_signed_in_user(response):
    request = RequestFactory().get("/unduh/")
    request.user = AnonymousUser()
    assert {"private", "no-store"} <= cache_control(PrivateCacheMiddleware(lambda r: response)(request))


# HTTPS


def test_hsts_and_the_https_redirect_follow_the_settings(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get(reverse("login"))
    assert plain.status_code == 301
    assert plain["Location"] == f"https://testserver{reverse('login')}"
    proxied = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_https_settings_come_from_the_environment():
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
    ]
    assert settings_under(names) == {
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_PROXY_SSL_HEADER": None,
    }
    production = settings_under(
        names,
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_HSTS_PRELOAD="true",
        SECURE_SSL_REDIRECT="true",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
    )
    assert production == {
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
    other = settings_under(["SECURE_PROXY_SSL_HEADER"], SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_SSL,on")
    assert other["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SSL", "on"]
    assert "SECURE_PROXY_SSL_HEADER" in settings_under(names, SECURE_PROXY_SSL_HEADER="A,b,c")["error"]
    assert "must be an integer" in settings_under(names, SECURE_HSTS_SECONDS="setahun")["error"]


def test_check_deploy_has_no_https_warning_with_the_production_environment(tmp_path):
    """The security checks `check --deploy` makes (HSTS W004/W005/W021, SSL redirect W008, cookies W012/W016)."""
    env = environment(
        SECRET_KEY="k" * 60 + "-production-like-not-secret",
        ALLOWED_HOSTS="rakornis.example.go.id",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_HSTS_PRELOAD="true",
        SECURE_SSL_REDIRECT="true",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        SQLITE_PATH=str(tmp_path / "check.sqlite3"),
        DATABASE_URL="",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=CHECKOUT,
        env=env,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    for code in ("W004", "W005", "W008", "W012", "W016", "W021"):
        assert f"security.{code}" not in output, output
    without = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=CHECKOUT,
        env={**env, "SECURE_HSTS_SECONDS": "", "SECURE_SSL_REDIRECT": ""},
        capture_output=True,
        text=True,
    )
    assert "security.W004" in without.stdout + without.stderr  # the check is real: it warns when HSTS is off


def test_templates_folder_is_the_one_checked():
    assert (TEMPLATES / "base.html").is_file() and Path(TEMPLATES / "registration" / "lockout.html").is_file()
