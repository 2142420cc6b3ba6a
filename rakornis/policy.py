"""The access policy: who may see what, and who may do what where. Every access decision of the project is here.

- **Roles and their regions.** A user holds roles (`StaffRole`: operator, verifier, meeting secretary, planner,
  viewer), each tied to an agency; the agency's region is where that role applies. Superusers hold every role
  everywhere. A role at Dinas PUPR Kab. Banjar (63.03) applies in Banjar only, whatever the role: a kabupaten
  secretary cannot close the provincial Rakornis, a kabupaten verifier cannot verify Tapin's proposals.
- **Seeing.** A user sees the rows of the regions of all their roles (`scope_codes`); staff of a kabupaten/kota
  also see their province's meetings and agencies. Querysets' `for_user(user)` call `visible()` here.
- **Acting.** `may(user, action, region_code)` holds when one of the roles that grant `action` applies in that
  region. The proposal actions and their roles come from the state machine (`programs.workflow`), which also says
  in which status each action is possible.
- **Objects.** `get_<object>_for_user(user, pk, action)`: 404 for an object outside what the user sees (nothing
  leaks), 403 for one they see but whose action their roles do not grant there.

Views, forms' choices, JSON endpoints, exports, jobs, the importer, the admin and the templates (through the
`can` dictionaries the views pass) ask this module; nothing else looks at roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from agencies.models import Agency, Region, StaffRole, region_code_q, region_within
from meetings.models import Decision, Desk, Meeting
from programs import workflow
from programs.models import (
    ExcelJob,
    Indicator,
    IndicatorTarget,
    Notification,
    Proposal,
    ProposalDocument,
    WorkPlan,
)
from rakornis.actions import Action as Action  # the policy names the actions it grants

Role = StaffRole.Role


# Who may take each action that is not a proposal event.
_OTHER_GRANTS: dict[Action, frozenset[str]] = {
    Action.DOWNLOAD_TEMPLATE: frozenset({Role.OPERATOR, Role.VERIFIER, Role.PLANNER}),
    Action.MANAGE_MEETING: frozenset({Role.SECRETARY}),
    Action.READ_MINUTES: frozenset({Role.SECRETARY, Role.PLANNER, Role.VERIFIER, Role.VIEWER}),
    Action.PLAN: frozenset({Role.PLANNER}),
    Action.ATTACH_DOCUMENT: frozenset({Role.OPERATOR}),
    # The thread is the working conversation of the kabupaten/kota and the province: the head of agency (viewer)
    # reads it and does not write in it.
    Action.COMMENT: frozenset({Role.OPERATOR, Role.VERIFIER, Role.PLANNER, Role.SECRETARY}),
    Action.SET_INDICATOR_TARGET: frozenset({Role.PLANNER, Role.VERIFIER}),
    Action.REPORT_INDICATOR: frozenset({Role.PLANNER, Role.VERIFIER, Role.OPERATOR}),
}
GRANTS: dict[Action, frozenset[str]] = {
    **{event: transition.roles for event, transition in workflow.TRANSITIONS.items()},
    **_OTHER_GRANTS,
}
# The proposal actions a person takes from a proposal's page, with the statuses the state machine allows them in.
PROPOSAL_ACTIONS = (
    Action.EDIT,
    Action.SUBMIT,
    Action.WITHDRAW,
    Action.RETURN,
    Action.VERIFY,
    Action.CARRY_OVER,
)


# Roles and regions ---------------------------------------------------------------------------------------------------


def _signed_in(user: Any) -> bool:
    return user is not None and bool(user.is_authenticated) and bool(user.is_active)


def is_administrator(user: Any) -> bool:
    """Superusers: every role in every region, and the reference data of the admin."""
    return _signed_in(user) and bool(user.is_superuser)


def _role_codes(user: Any) -> dict[str, list[str]]:
    """Region codes per active role of the user, in one query, cached on the user object for the request.

    The same query reads the ids of the scope's regions that rows are attached to (`scope_region_ids`): each role's
    region, and a province's kabupaten/kota (its children; a kabupaten/kota's children, its kecamatan, are left out).
    """
    cached: dict[str, list[str]] | None = getattr(user, "_rakornis_role_codes", None)
    if cached is None:
        cached = {}
        ids: set[int] = set()
        rows = (
            StaffRole.objects.of(user)
            .filter(agency__region__isnull=False)
            .values_list(
                "role", "agency__region__code", "agency__region_id", "agency__region__level", "agency__region__children"
            )
            .order_by("agency__region__code")
        )
        for role, code, region_id, level, child in rows:
            codes = cached.setdefault(role, [])
            if code not in codes:
                codes.append(code)
            ids.add(region_id)
            if level == Region.Level.PROVINCE and child is not None:
                ids.add(child)
        user._rakornis_role_codes = cached
        user._rakornis_scope_region_ids = sorted(ids)
    return cached


def scope_codes(user: Any) -> list[str] | None:
    """The region codes a user sees, or None for everything (administrators); empty without an active role.

    A role of a central or other agency without a region gives no regional scope.
    """
    if not _signed_in(user):
        return []
    if is_administrator(user):
        return None
    return sorted({code for codes in _role_codes(user).values() for code in codes})


def scope_region_ids(user: Any) -> list[int] | None:
    """The ids of the provinces and kabupaten/kota in the user's scope (None: everywhere; empty: nowhere), read with
    the roles (no query of its own). Rows attached to a province or a kabupaten/kota (a proposal's kabupaten/kota, a
    work plan's agency) are filtered by these ids, so the database reads its region indexes for a known list instead
    of guessing how many regions `code LIKE '63.%'` matches; scopes are never below a kabupaten/kota (roles are
    held at agencies, and agencies are provincial, kabupaten/kota or central)."""
    if not _signed_in(user):
        return []
    if is_administrator(user):
        return None
    _role_codes(user)
    ids: list[int] = user._rakornis_scope_region_ids
    return ids


def action_codes(user: Any, action: Action) -> list[str] | None:
    """The region codes where `user` may take `action`, or None for everywhere (administrators)."""
    if not _signed_in(user):
        return []
    if is_administrator(user):
        return None
    by_role = _role_codes(user)
    return sorted({code for role in GRANTS[action] for code in by_role.get(role, [])})


def within(region_code: str | None, codes: list[str] | None) -> bool:
    """Whether `region_code` lies in one of `codes` (None: everywhere; a missing region lies nowhere)."""
    if codes is None:
        return True
    return region_code is not None and any(region_within(region_code, code) for code in codes)


def may(user: Any, action: Action, region_code: str | None = None, *, anywhere: bool = False) -> bool:
    """Whether the user's roles grant `action` in the region `region_code`; with `anywhere`, in some region."""
    codes = action_codes(user, action)
    if anywhere:
        return codes is None or bool(codes)
    return within(region_code, codes)


def may_anywhere(user: Any, *actions: Action) -> bool:
    """Whether the user may take any of `actions` somewhere (to show a menu entry or a page's button)."""
    return any(may(user, action, anywhere=True) for action in actions)


def sees_nomenclature(user: Any) -> bool:
    """The nomenclature is reference, not regional: whoever holds a role somewhere searches it (the proposal form's
    sub kegiatan, the list's program filter). A signed-in account without a role finds nothing (404)."""
    return scope_codes(user) != []


def _deny(user: Any, action: Action, region_code: str | None, message: str) -> None:
    if not may(user, action, region_code):
        raise PermissionDenied(message)


# What a user sees -----------------------------------------------------------------------------------------------------


def visible[QS: QuerySet[Any]](queryset: QS, user: Any, region_field: str) -> QS:
    """Rows whose region (at `region_field`, a path ending in a region code) lies in the user's scope.

    A path through a foreign key to a province or kabupaten/kota (`region__code`, `proposal__region__code`) is
    filtered by the scope's region ids (`region_id IN (...)`, `scope_region_ids`); the regions themselves (`code`),
    at every level, by their codes."""
    codes = scope_codes(user)
    if codes is None:
        return queryset
    relation, _, field = region_field.rpartition("__")
    if relation and field == "code":
        return queryset.filter(**{f"{relation}__in": scope_region_ids(user)})
    return queryset.filter(region_code_q(codes, region_field))


def visible_with_province[QS: QuerySet[Any]](queryset: QS, user: Any, region_field: str) -> QS:
    """As `visible`, plus the rows of the provinces above the user's regions (meetings and agencies that a
    kabupaten/kota works with)."""
    codes = scope_codes(user)
    if codes is None:
        return queryset
    provinces = {code[:2] for code in codes}
    return queryset.filter(region_code_q(codes, region_field) | Q(**{f"{region_field}__in": provinces}))


def visible_agencies[QS: QuerySet[Any]](queryset: QS, user: Any) -> QS:
    """Agencies of the user's regions and their provinces, and the central bodies without a region they meet."""
    codes = scope_codes(user)
    if codes is None:
        return queryset
    provinces = {code[:2] for code in codes}
    return queryset.filter(
        region_code_q(codes, "region__code")
        | Q(region__code__in=provinces)
        | Q(level__in=[Agency.Level.CENTRAL, Agency.Level.OTHER], region__isnull=True)
    )


def regencies_for(user: Any, action: Action | None = None) -> QuerySet[Region]:
    """Kabupaten/kota the user sees (by the scope's region ids, read with the roles: an index lookup rather than a
    `code LIKE` over every region), or may take `action` in."""
    regencies = Region.objects.regencies()
    if action is None:
        ids = scope_region_ids(user)
        return regencies if ids is None else regencies.filter(pk__in=ids)
    codes = action_codes(user, action)
    return regencies if codes is None else regencies.filter(region_code_q(codes))


def agencies_for(user: Any, action: Action | None = None) -> QuerySet[Agency]:
    """Agencies whose region lies in the user's scope (by its region ids, as `regencies_for`), or where they may take
    `action`: no central Balai and no other kabupaten/kota."""
    agencies = Agency.objects.select_related("region")
    if action is None:
        ids = scope_region_ids(user)
        return agencies if ids is None else agencies.filter(region_id__in=ids)
    codes = action_codes(user, action)
    return agencies if codes is None else agencies.filter(region_code_q(codes, "region__code"))


# Proposals ------------------------------------------------------------------------------------------------------------


def sees_proposal(user: Any, proposal: Proposal) -> bool:
    """Whether `proposal`, already read, lies in what the user sees: the rule `Proposal.objects.for_user` filters by
    (its kabupaten/kota among the scope's region ids, `visible`), answered without a query, for the proposals a page
    links to (the ones it was carried over from or to, merged with, or may overlap)."""
    ids = scope_region_ids(user)
    return ids is None or proposal.region_id in ids


def may_on_proposal(user: Any, action: Action, proposal: Proposal) -> bool:
    """Role and region only; `available_actions` adds the status."""
    return may(user, action, proposal.region.code)


def available_actions(user: Any, proposal: Proposal, *, carried_over: bool | None = None) -> set[Action]:
    """The actions the user may take on the proposal now: the state machine allows them in its status, and the
    user's roles grant them in its kabupaten/kota. A proposal is carried over once: `carried_over` says whether it
    has been, for a caller that has read its copies (None: they are read here, when that matters)."""
    actions = {
        action
        for action in PROPOSAL_ACTIONS
        if workflow.allows(action, proposal.status) and may_on_proposal(user, action, proposal)
    }
    if carried_over is None:  # `.all()` rather than `.exists()`: a list of proposals may have prefetched them
        carried_over = Action.CARRY_OVER in actions and bool(proposal.carried_over_to.all())
    if carried_over:
        actions.discard(Action.CARRY_OVER)
    return actions


def get_proposal_for_user(user: Any, pk: int, action: Action | None = None, queryset: Any = None) -> Proposal:
    """The proposal, or 404 outside the user's scope, or 403 when the user's roles do not grant `action` there."""
    queryset = Proposal.objects.all() if queryset is None else queryset
    proposal: Proposal = get_object_or_404(
        queryset.for_user(user).select_related("region", "agency", "sub_activity"), pk=pk
    )
    if action is not None:
        _deny(user, action, proposal.region.code, "Peran Anda tidak mengizinkan tindakan ini pada usulan ini.")
    return proposal


# Supporting documents -------------------------------------------------------------------------------------------------


def may_attach_document(user: Any, proposal: Proposal) -> bool:
    """Operators of the proposal's kabupaten/kota attach documents while the state machine lets it be edited."""
    return may(user, Action.ATTACH_DOCUMENT, proposal.region.code) and workflow.allows(Action.EDIT, proposal.status)


def may_delete_document(user: Any, document: ProposalDocument) -> bool:
    """The uploader (or an administrator) deletes a document while they may still attach to its proposal."""
    uploader = document.uploaded_by_id is not None and document.uploaded_by_id == getattr(user, "pk", None)
    return (uploader or is_administrator(user)) and may_attach_document(user, document.proposal)


def get_document_for_user(user: Any, proposal_pk: int, pk: int, action: Action | None = None) -> ProposalDocument:
    """A document of a proposal the user sees (404 outside their scope, as for the proposal); with ATTACH_DOCUMENT,
    403 unless they may delete it now (the uploader, while the proposal is editable)."""
    proposal = get_proposal_for_user(user, proposal_pk)
    document: ProposalDocument = get_object_or_404(
        ProposalDocument.objects.select_related("uploaded_by"), pk=pk, proposal=proposal
    )
    document.proposal = proposal
    if action is not None and not may_delete_document(user, document):
        raise PermissionDenied("Hanya pengunggah yang dapat menghapus dokumen ini, selama usulan masih dapat diubah.")
    return document


# Comments and notifications -------------------------------------------------------------------------------------------


def may_comment(user: Any, proposal: Proposal) -> bool:
    """Whoever sees the proposal reads its thread; its operators, verifiers, planners and secretaries there write."""
    return may(user, Action.COMMENT, proposal.region.code)


def get_notification_for_user(user: Any, pk: int) -> Notification:
    """A notification is its recipient's alone: anyone else's is a 404, so nothing leaks (not even that it exists)."""
    notification: Notification = get_object_or_404(Notification.objects.for_user(user), pk=pk)
    return notification


def _within_codes(code: str) -> list[str]:
    """`63.03.01` -> `63`, `63.03`, `63.03.01`: the scopes a region lies within."""
    parts = code.split(".")
    return [".".join(parts[: end + 1]) for end in range(len(parts))]


def holders(roles: Iterable[str], region_codes: Iterable[str]) -> dict[str, set[int]]:
    """Per region code, the active users who hold one of `roles` there (a role at the province holds in each of its
    kabupaten/kota), in one query. Who is told of an event (`programs.notifications`) comes from here.
    Administrators hold every role everywhere but work no region's queue: they are not listed."""
    codes = set(region_codes)
    result: dict[str, set[int]] = {code: set() for code in codes}
    scopes = {scope for code in codes for scope in _within_codes(code)}
    if not codes:
        return result
    rows = (
        StaffRole.objects.filter(
            is_active=True, user__is_active=True, role__in=list(roles), agency__region__code__in=scopes
        )
        .order_by()
        .values_list("user_id", "agency__region__code")
        .distinct()
    )
    for user_id, scope in rows:
        for code in codes:
            if region_within(code, scope):
                result[code].add(user_id)
    return result


# Who is told of each proposal event (`Notification.Kind`), by their role in the proposal's kabupaten/kota.
_NOTIFIED_ROLES: dict[str, frozenset[str]] = {
    Notification.Kind.SUBMITTED: frozenset({Role.VERIFIER}),
    Notification.Kind.RETURNED: frozenset({Role.OPERATOR}),
    Notification.Kind.VERIFIED: frozenset({Role.OPERATOR}),
    Notification.Kind.DECIDED: frozenset({Role.OPERATOR}),
    Notification.Kind.CARRIED_OVER: frozenset({Role.OPERATOR}),
    # The two sides of the conversation, so a first comment reaches the other side.
    Notification.Kind.COMMENTED: frozenset({Role.OPERATOR, Role.VERIFIER}),
}


def notified(kind: str, region_codes: Iterable[str]) -> dict[str, set[int]]:
    """Per region code, the active users told of a `kind` event on a proposal there (`programs.notifications`):
    its verifiers when it is submitted, its operators when it is returned, verified, decided or carried over, both
    when it is commented on. Administrators are not listed (see `holders`)."""
    return holders(_NOTIFIED_ROLES[kind], region_codes)


def seers(region_codes: Iterable[str]) -> dict[str, set[int]]:
    """Per region code, the active users with any role there: those who see its proposals (administrators aside)."""
    return holders(Role.values, region_codes)


# Meetings and decisions -----------------------------------------------------------------------------------------------


def meeting_region_code(meeting: Meeting) -> str | None:
    """A meeting belongs to its organiser's region (the province, for a provincial Rakornis)."""
    region = meeting.organiser.region
    return region.code if region is not None else None


def may_on_meeting(user: Any, action: Action, meeting: Meeting) -> bool:
    return may(user, action, meeting_region_code(meeting))


def get_meeting_for_user(user: Any, pk: int, action: Action | None = None, queryset: Any = None) -> Meeting:
    """The meeting, or 404 outside what the user sees, or 403 when their roles do not grant `action` in the
    organiser's region (a kabupaten secretary and the provincial Rakornis). `queryset` may add annotations (the
    meeting page's counts, read with the meeting in one query)."""
    queryset = Meeting.objects.all() if queryset is None else queryset
    meeting: Meeting = get_object_or_404(queryset.for_user(user).select_related("organiser__region"), pk=pk)
    if action is not None:
        messages = {
            Action.MANAGE_MEETING: "Hanya sekretariat penyelenggara rapat yang dapat mengubah rapat ini.",
            Action.DECIDE: "Hanya sekretariat penyelenggara rapat yang dapat mencatat kesepakatan rapat ini.",
            Action.READ_MINUTES: "Berita Acara hanya untuk perangkat daerah penyelenggara rapat.",
        }
        _deny(user, action, meeting_region_code(meeting), messages.get(action, "Peran Anda tidak mengizinkannya."))
    return meeting


def get_desk_for_user(user: Any, meeting_pk: int, pk: int, action: Action | None = None, queryset: Any = None) -> Desk:
    """A desk of a meeting is seen by whoever sees the meeting (404 otherwise, and for another meeting's desk); its
    decisions and agreements are recorded by the meeting's secretariat (`action` DECIDE: 403 without it). One query,
    the desk with its meeting; `queryset` may add annotations (the desk page's agenda count)."""
    queryset = Desk.objects.all() if queryset is None else queryset
    desk: Desk = get_object_or_404(
        queryset.filter(meeting__in=Meeting.objects.for_user(user)).select_related(
            "sector", "meeting__organiser__region"
        ),
        meeting_id=meeting_pk,
        pk=pk,
    )
    if action is not None:
        message = "Hanya sekretariat penyelenggara rapat yang dapat mencatat kesepakatan desk ini."
        _deny(user, action, meeting_region_code(desk.meeting), message)
    return desk


def get_decision_for_user(user: Any, pk: int, action: Action | None = None) -> Decision:
    """A decision is seen with its proposal and changed by the secretariat of its meeting's organiser."""
    decision: Decision = get_object_or_404(
        Decision.objects.for_user(user).select_related("meeting__organiser__region", "proposal__region"), pk=pk
    )
    if action is not None:
        _deny(user, action, meeting_region_code(decision.meeting), "Peran Anda tidak mengizinkan tindakan ini.")
    return decision


# Renja and jobs -------------------------------------------------------------------------------------------------------


def work_plan_region_code(work_plan: WorkPlan) -> str | None:
    region = work_plan.agency.region
    return region.code if region is not None else None


def get_work_plan_for_user(user: Any, pk: int, action: Action | None = None) -> WorkPlan:
    """The work plan, or 404 outside the user's scope; 403 when `action` (PLAN) is not granted in its region."""
    work_plan: WorkPlan = get_object_or_404(WorkPlan.objects.for_user(user).select_related("agency__region"), pk=pk)
    if action is not None:
        _deny(user, action, work_plan_region_code(work_plan), "Hanya perencana yang dapat mengubah Renja ini.")
    return work_plan


def get_job_for_user(user: Any, pk: int) -> ExcelJob:
    """Only the owner sees a background job: another user's is a 404, so nothing leaks (not even that it exists)."""
    if not _signed_in(user):
        raise PermissionDenied
    job: ExcelJob = get_object_or_404(ExcelJob, pk=pk, user=user)
    return job


# Outcome indicators ---------------------------------------------------------------------------------------------------


def sees_indicators(user: Any) -> bool:
    """Indicator definitions are reference, not regional: whoever holds a role somewhere reads them (and the figures of
    their scope). A signed-in account without a role sees none (404)."""
    return scope_codes(user) != []


def get_indicator_for_user(user: Any, code: str) -> Indicator:
    """The indicator, or 404 for a user who sees no indicator at all."""
    indicator: Indicator = get_object_or_404(Indicator.objects.for_user(user).select_related("sector"), code=code)
    return indicator


def indicator_figure_action(figure: str) -> Action:
    """Realisations are reported (also by a kabupaten/kota's operator); baselines and targets are set."""
    return Action.REPORT_INDICATOR if figure == IndicatorTarget.Figure.REALISATION else Action.SET_INDICATOR_TARGET


def may_enter_indicator_figure(user: Any, figure: str, region_code: str | None) -> bool:
    return may(user, indicator_figure_action(figure), region_code)


def may_enter_indicators(user: Any) -> bool:
    """Whether the user may enter some indicator figure somewhere (to show the entry and import buttons)."""
    return may_anywhere(user, Action.SET_INDICATOR_TARGET, Action.REPORT_INDICATOR)


def indicator_regions_for(user: Any, figure: str | None = None) -> QuerySet[Region]:
    """The province and kabupaten/kota whose figures the user reads (their scope and its provinces), or, given a
    `figure`, may enter."""
    regions = Region.objects.filter(level__in=[Region.Level.PROVINCE, Region.Level.REGENCY])
    if figure is not None:
        codes = action_codes(user, indicator_figure_action(figure))
        return regions if codes is None else regions.filter(region_code_q(codes))
    return visible_with_province(regions, user, "code")
