"""A desk's page (desk urusan of a Rakortekrenbang) and the agreement of the sub kegiatan supporting an indicator.

Access (`policy.get_desk_for_user`): whoever sees the meeting sees its desks (404 otherwise); recording decisions
and agreements needs the meeting's secretariat role (403). The page reads a bounded number of rows whatever the
meeting: one page of the desk's agenda, its participants up to PARTICIPANTS_LIMIT, its indicators up to
`DESK_INDICATOR_LIMIT`, their gaps from one query.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from indicators.selectors import IndicatorGap, indicator_gaps
from meetings.models import Desk
from meetings.services.desks import (
    desk_agenda,
    desk_agenda_count,
    desk_agreement_set,
    desk_indicators,
    desk_participants,
)
from meetings.services.meetings import MeetingError
from meetings.views import CountedPaginator
from programs.models import Nomenclature
from rakornis import policy
from rakornis.policy import Action

DESK_AGENDA_PER_PAGE = 50
PARTICIPANTS_LIMIT = 100


@login_required
@require_GET
def desk_detail_view(request: HttpRequest, pk: int, desk_pk: int) -> HttpResponse:
    user = request.user
    desk = policy.get_desk_for_user(
        user, pk, desk_pk, queryset=Desk.objects.annotate(agenda_count=desk_agenda_count(user))
    )
    meeting = desk.meeting
    can_record = policy.may_on_meeting(user, Action.DECIDE, meeting) and not meeting.is_closed
    count: int = desk.agenda_count  # type: ignore[attr-defined]  # annotated by the queryset above
    paginator = CountedPaginator(desk_agenda(desk, user), DESK_AGENDA_PER_PAGE, count=count)
    page = paginator.get_page(request.GET.get("hal"))
    indicators = desk_indicators(desk)
    wanted = {item.indicator.pk for item in indicators}
    gaps: dict[int, list[IndicatorGap]] = defaultdict(list)
    if wanted:
        for gap in indicator_gaps(user, meeting.fiscal_year):
            if gap.indicator.pk in wanted:
                gaps[gap.indicator.pk].append(gap)
    context: dict[str, Any] = {
        "meeting": meeting,
        "desk": desk,
        "participants": list(desk_participants(desk)[:PARTICIPANTS_LIMIT]),
        "page": page,
        "indicators": [(item, gaps.get(item.indicator.pk, [])) for item in indicators],
        "can_record": can_record,
    }
    return render(request, "meetings/desk_detail.html", context)


@login_required
@require_POST
def desk_agreement_view(request: HttpRequest, pk: int, desk_pk: int, code: str) -> HttpResponse:
    """The sub kegiatan ticked for one indicator become what the desk agreed for it (none ticked: none agreed)."""
    desk = policy.get_desk_for_user(request.user, pk, desk_pk, Action.DECIDE)
    indicator = policy.get_indicator_for_user(request.user, code)
    target = desk.get_absolute_url() + f"#indikator-{indicator.pk}"
    ids = [value for value in request.POST.getlist("sub_kegiatan") if value.isdigit()]
    chosen = list(Nomenclature.objects.filter(pk__in=ids, level=Nomenclature.Level.SUB_ACTIVITY))
    if len(chosen) != len(set(ids)):
        messages.error(
            request, gettext("Sub kegiatan yang dipilih tidak ditemukan; muat ulang halaman lalu pilih lagi.")
        )
        return redirect(target)
    try:
        agreements = desk_agreement_set(desk=desk, indicator=indicator, sub_activities=chosen, user=request.user)
    except MeetingError as error:
        messages.error(request, str(error))
        return redirect(target)
    messages.success(
        request,
        gettext("%(name)s: %(count)s sub kegiatan disepakati mendukung %(code)s %(name2)s.")
        % {"name": desk.name, "count": len(agreements), "code": indicator.code, "name2": indicator.name},
    )
    return redirect(target)
