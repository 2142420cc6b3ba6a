"""Who may see and do what with a proposal.

Seeing follows `Proposal.objects.for_user` (the regions of all the user's roles); acting follows the region of the
role that grants the action: an operator acts on the kabupaten/kota of their agency, a verifier or planner on their
province. A proposal outside what the user sees is a 404, so nothing leaks; one they see but may not act on is a 403.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from agencies.models import Agency, Region, StaffRole, region_code_q, scope_codes
from programs.models import Proposal

Role = StaffRole.Role


class Action(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    RETURN = "return"
    VERIFY = "verify"
    CARRY_OVER = "carry_over"


# Which roles grant an action; the role's agency region is where the grant applies.
ACTION_ROLES: dict[Action, tuple[str, ...]] = {
    Action.CREATE: (Role.OPERATOR,),
    Action.EDIT: (Role.OPERATOR,),
    Action.SUBMIT: (Role.OPERATOR,),
    Action.WITHDRAW: (Role.OPERATOR,),
    Action.RETURN: (Role.VERIFIER,),
    Action.VERIFY: (Role.VERIFIER,),
    Action.CARRY_OVER: (Role.OPERATOR, Role.PLANNER),
}

# The statuses in which an action makes sense now; the services check again under a row lock.
ACTION_STATUSES: dict[Action, tuple[str, ...]] = {
    Action.EDIT: Proposal.EDITABLE_STATUSES,
    Action.SUBMIT: Proposal.EDITABLE_STATUSES,
    Action.WITHDRAW: (Proposal.Status.SUBMITTED,),
    Action.RETURN: (Proposal.Status.SUBMITTED,),
    Action.VERIFY: (Proposal.Status.SUBMITTED,),
    Action.CARRY_OVER: (Proposal.Status.DEFERRED,),
}


def _role_codes(user) -> dict[str, list[str]]:
    """Region codes per active role of the user, in one query, cached on the user for the request."""
    cached = getattr(user, "_rakornis_role_codes", None)
    if cached is None:
        cached = {}
        rows = (
            StaffRole.objects.of(user).filter(agency__region__isnull=False).values_list("role", "agency__region__code")
        )
        for role, code in rows:
            cached.setdefault(role, []).append(code)
        user._rakornis_role_codes = cached
    return cached


def action_region_codes(user, action: Action) -> list[str] | None:
    """The region codes where `user` may take `action`, or None for everywhere (superusers)."""
    if user is None or not user.is_authenticated:
        return []
    if user.is_superuser:
        return None
    by_role = _role_codes(user)
    return sorted({code for role in ACTION_ROLES[action] for code in by_role.get(role, [])})


def may(user, action: Action, proposal: Proposal | None = None) -> bool:
    """Whether the user's roles allow `action` (on `proposal`'s kabupaten/kota, when given), whatever its status."""
    codes = action_region_codes(user, action)
    if codes is None:
        return True
    if proposal is None:
        return bool(codes)
    region_code = proposal.region.code
    return any(region_code == code or region_code.startswith(f"{code}.") for code in codes)


def available_actions(user, proposal: Proposal) -> set[Action]:
    """The actions the user may take on the proposal now: role and status both allow them."""
    actions = {
        action
        for action, statuses in ACTION_STATUSES.items()
        if proposal.status in statuses and may(user, action, proposal)
    }
    # `.all()` rather than `.exists()`: the detail page has prefetched the copies.
    if Action.CARRY_OVER in actions and proposal.carried_over_to.all():
        actions.discard(Action.CARRY_OVER)
    return actions


def get_proposal_for_user(user, pk: int, action: Action | None = None) -> Proposal:
    """The proposal, or 404 outside the user's scope, or 403 when the user's roles do not allow `action` on it."""
    queryset = Proposal.objects.for_user(user).select_related("region", "agency", "sub_activity")
    proposal = get_object_or_404(queryset, pk=pk)
    if action is not None and not may(user, action, proposal):
        raise PermissionDenied("Peran Anda tidak mengizinkan tindakan ini pada usulan ini.")
    return proposal


def regencies_for(user, action: Action | None = None):
    """Kabupaten/kota the user sees (or may take `action` in)."""
    regencies = Region.objects.regencies()
    if action is None:
        return regencies.for_user(user)
    codes = action_region_codes(user, action)
    return regencies if codes is None else regencies.within(*codes)


def agencies_for(user):
    """Agencies whose region lies in the user's scope (no central Balai and no other kabupaten/kota)."""
    codes = scope_codes(user)
    agencies = Agency.objects.select_related("region")
    return agencies if codes is None else agencies.filter(region_code_q(codes, "region__code"))
