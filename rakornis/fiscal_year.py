"""The planning year: the fiscal year (tahun anggaran) that the home page, the lists, the recap and the Renja pages
show when the address does not name one.

It is the next fiscal year by default (today's year + 1 in the project's TIME_ZONE: in November 2026 a Bappeda plans
TA 2027), and each person switches it in the header of every page; the choice is kept in their session. A page
asks `planning_year(request)`; a page with its own year filter (`?fiscal_year=`, `?tahun=`) lets that filter win,
and an empty filter (`?tahun=`) means every year.

A year outside MIN_FISCAL_YEAR..MAX_FISCAL_YEAR, or anything that is not a year, gives the default: a session or a
form never turns into a server error.

Two ranges of years: the database keeps any year in MIN_FISCAL_YEAR..MAX_FISCAL_YEAR (2000-2100, a check on every
table with a fiscal year), and what a person types in a form or an import file must fall in the narrower window
`typed_window()`: five years either side of the default planning year (TA 2022-2032 while planning TA 2027). Five
years is one RPJMD period: an older year is a closed plan, a later one is beyond any plan being written, and either
is almost always a typing slip (2207 for 2027). A year already saved stays acceptable on the row that has it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.db.models import Exists
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from meetings.models import Meeting
from programs.models import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR, Proposal
from rakornis.session_cache import remember, remembered

SESSION_KEY = "planning_year"
# The years the header offers: around the default, those with proposals or meetings the user sees.
YEARS_BEFORE = 3
YEARS_AFTER = 2
# Query parameters by which a page names its own year; the switch drops them from the page it returns to, so that the
# page follows the newly chosen year (and `page`, which belongs to the old result).
YEAR_PARAMETERS = ("fiscal_year", "tahun", "year", "page")
_YEAR_RE = re.compile(r"[0-9]{4}")


def parse_year(value: Any) -> int | None:
    """`value` as a fiscal year in MIN_FISCAL_YEAR..MAX_FISCAL_YEAR, or None (four ASCII digits or an int only)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        year = value
    elif isinstance(value, str) and _YEAR_RE.fullmatch(value.strip()):
        year = int(value.strip())
    else:
        return None
    return year if MIN_FISCAL_YEAR <= year <= MAX_FISCAL_YEAR else None


def today() -> date:
    """Today in the project's time zone (the test suite pins it, so that its 2027 proposals are the default's)."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def default_year() -> int:
    """The next fiscal year, by today's date in the project's time zone."""
    return min(max(today().year + 1, MIN_FISCAL_YEAR), MAX_FISCAL_YEAR)


TYPED_YEARS_BEFORE = 5
TYPED_YEARS_AFTER = 5


def typed_window(default: int | None = None) -> tuple[int, int]:
    """The first and last fiscal year a form or an import accepts: five years either side of the default (`default`
    when the caller has read it already: an import reads it once per file, not once per row)."""
    default = default_year() if default is None else default
    return max(default - TYPED_YEARS_BEFORE, MIN_FISCAL_YEAR), min(default + TYPED_YEARS_AFTER, MAX_FISCAL_YEAR)


def typed_year_problem(year: int, *, saved: int | None = None, default: int | None = None) -> str | None:
    """Why `year`, typed in a form or an import file, is refused (a sentence without its final stop), or None.
    `saved` is the year the row already has: keeping it is always allowed. `default` as for `typed_window`."""
    if year == saved:
        return None
    default = default_year() if default is None else default
    first, last = typed_window(default)
    if first <= year <= last:
        return None
    return (
        f"tahun anggaran {year} di luar rentang TA {first}\u2013{last} "
        f"(lima tahun sebelum dan sesudah tahun perencanaan TA {default})"
    )


def planning_year(request: HttpRequest) -> int:
    """The year the user chose in the header, else the default."""
    year: int | None = getattr(request, "_planning_year", None)
    if year is None:
        session = getattr(request, "session", None)
        year = (parse_year(session.get(SESSION_KEY)) if session is not None else None) or default_year()
        request._planning_year = year  # type: ignore[attr-defined]
    return year


def year_from_query(request: HttpRequest, parameter: str) -> int | None:
    """The year a page shows: its own `?parameter=` when the address has one (empty: None, every year), else the
    planning year. A value that is not a valid year gives the planning year."""
    if parameter not in request.GET:
        return planning_year(request)
    raw = request.GET[parameter].strip()
    if raw == "":
        return None
    return parse_year(raw) or planning_year(request)


def query_with_year(request: HttpRequest, parameter: str) -> QueryDict:
    """The request's query with `parameter` set to the planning year when the address does not name a year, so that
    a list, its pagination and its Excel export select the same proposals."""
    query = request.GET.copy()
    if parameter not in query:
        query[parameter] = str(planning_year(request))
    return query


def year_filter(year: int | None, years_with_rows: Iterable[int]) -> dict[str, Any]:
    """The context of a list's year drop-down (rakornis/includes/year_filter.html): the years to offer (those with
    rows, and the one shown), the one selected ("" for every year) and the one shown (None for every year)."""
    offered = set(years_with_rows) | ({year} if year is not None else set())
    return {
        "years": sorted(offered, reverse=True),
        "selected_year": str(year) if year is not None else "",
        "shown_year": year,
    }


def year_options(user: Any, *also: int | None) -> list[int]:
    """The years to offer, newest first: those around the default that have proposals or meetings the user sees,
    the default, and `also` (the year shown now). Bounded: at most YEARS_BEFORE + YEARS_AFTER + 1 + len(also)."""
    default = default_year()
    candidates = [
        year
        for year in range(default - YEARS_BEFORE, default + YEARS_AFTER + 1)
        if MIN_FISCAL_YEAR <= year <= MAX_FISCAL_YEAR and year != default
    ]
    years = {default, *(year for year in also if year is not None)}
    if candidates and user is not None and user.is_authenticated:
        # One query of EXISTS probes (each an index lookup on the fiscal year), hung on the user's own row: a
        # DISTINCT over the proposals would read every row of every year on each page.
        proposals = Proposal.objects.for_user(user)
        meetings = Meeting.objects.for_user(user)
        probes = {
            **{f"p{year}": Exists(proposals.filter(fiscal_year=year)) for year in candidates},
            **{f"m{year}": Exists(meetings.filter(fiscal_year=year)) for year in candidates},
        }
        found = get_user_model().objects.filter(pk=user.pk).annotate(**probes).values(*probes).first() or {}
        years.update(year for year in candidates if found.get(f"p{year}") or found.get(f"m{year}"))
    return sorted(years, reverse=True)


def _safe_next(request: HttpRequest) -> str:
    """The same-host page to go back to, without its own year and page parameters; the home page otherwise."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return reverse("home")
    parts = urlsplit(target)
    query = [(key, value) for key, value in QueryDict(parts.query).lists() if key not in YEAR_PARAMETERS]
    flat = [(key, item) for key, values in query for item in values]
    back = urlunsplit(("", "", parts.path, urlencode(flat), ""))
    # Checked again as rebuilt: `http://host//evil.example` passes the first check and would become `//evil.example`.
    if not parts.path.startswith("/") or not url_has_allowed_host_and_scheme(back, allowed_hosts=set()):
        return reverse("home")
    return back


@require_POST
@login_required
def fiscal_year_switch(request: HttpRequest) -> HttpResponse:
    """Keep the chosen planning year in the session and go back to the page the switch was on."""
    year = parse_year(request.POST.get("year", ""))
    if year is None:
        request.session.pop(SESSION_KEY, None)
        messages.warning(
            request,
            gettext(
                "Tahun anggaran harus antara %(min_fiscal_year)s dan %(max_fiscal_year)s; tahun "
                "perencanaan kembali ke TA %(default_year)s."
            )
            % {"min_fiscal_year": MIN_FISCAL_YEAR, "max_fiscal_year": MAX_FISCAL_YEAR, "default_year": default_year()},
        )
    else:
        request.session[SESSION_KEY] = year
    return HttpResponseRedirect(_safe_next(request))


def context(request: HttpRequest) -> dict[str, Any]:
    """`planning_year` and the header's `planning_year_options` (queried only when a template reads them)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    year = planning_year(request)
    return {
        "planning_year": year,
        "planning_year_options": SimpleLazyObject(lambda: _remembered_year_options(request, user, year)),
    }


# The header's years are kept in the session and probed again at most this often (or when the default year changes):
# the probes are one query, but building ten EXISTS subqueries through the policy's scopes costs 6-15 ms of Python on
# every page (measured at 500,000 proposals), more than the rest of a small page. A proposal of a new year shows in the
# switcher within this many seconds; the lists' own year drop-downs are always current.
YEAR_OPTIONS_REFRESH_SECONDS = 60
YEAR_OPTIONS_SESSION_KEY = "planning_year_options"


def _remember_year_options(session: Any, user: Any) -> list[int]:
    return remember(session, YEAR_OPTIONS_SESSION_KEY, year_options(user), stamp=default_year())


@receiver(user_logged_in)
def _year_options_at_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Probed when the session starts (the sign-in saves the session anyway), so the first page writes nothing."""
    if request is not None and hasattr(request, "session"):
        _remember_year_options(request.session, user)


def _remembered_year_options(request: HttpRequest, user: Any, year: int) -> list[int]:
    years = {
        int(kept)
        for kept in remembered(
            request.session,
            YEAR_OPTIONS_SESSION_KEY,
            lambda: year_options(user),
            seconds=YEAR_OPTIONS_REFRESH_SECONDS,
            stamp=default_year(),
        )
    }
    return sorted(years | {year}, reverse=True)
