"""The proposal state machine: the one table of what may happen to a proposal, from which status, to which, by whom.

Read by the services (which apply a transition under a row lock: `programs.services`), the access policy (which
offers a user only the actions the table allows now: `rakornis.policy`), the meeting services (a decision moves a
verified proposal to the status of its outcome: `meetings.models.Decision.PROPOSAL_STATUS`), the importer (which
creates drafts and changes only editable proposals) and the admin (which shows the status read-only).

`draft -> submitted -> verified -> agreed | agreed with changes | merged | deferred | rejected`, with `submitted ->
draft` (withdrawn by the operator) and `submitted -> returned -> submitted` (returned for revision, with a note).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import StaffRole
from programs.models import Proposal
from rakornis.actions import Action

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Status = Proposal.Status
Role = StaffRole.Role


# The state machine's events are the proposal actions of the one list of actions (`rakornis.actions`).
Event = Action


# What a meeting may make of a verified proposal; `meetings.models.Decision.PROPOSAL_STATUS` maps each decision
# outcome onto exactly one of these.
DECIDED_STATUSES: frozenset[str] = frozenset(
    {Status.AGREED, Status.AGREED_WITH_CHANGES, Status.MERGED, Status.DEFERRED, Status.REJECTED}
)
EDITABLE_STATUSES: frozenset[str] = frozenset(Proposal.EDITABLE_STATUSES)


@dataclass(frozen=True)
class Transition:
    """`event` is allowed from any of `sources` (empty: a new proposal) and leads to one of `targets` (empty: the
    status does not change); `roles` may fire it, each in the region of the agency that grants the role."""

    event: Event
    sources: frozenset[str]
    targets: frozenset[str]
    roles: frozenset[str]
    verb: StrOrPromise  # how the refusal says it: "Usulan berstatus Draf tidak dapat <verb>."

    @property
    def moves(self) -> bool:
        return bool(self.targets)


def _t(event: Event, sources: set[str], targets: set[str], roles: set[str], verb: StrOrPromise) -> Transition:
    return Transition(event, frozenset(sources), frozenset(targets), frozenset(roles), verb)


TRANSITIONS: dict[Event, Transition] = {
    t.event: t
    for t in (
        _t(Event.CREATE, set(), {Status.DRAFT}, {Role.OPERATOR}, "dibuat"),
        _t(Event.EDIT, set(EDITABLE_STATUSES), set(), {Role.OPERATOR}, _("diubah")),
        _t(Event.SUBMIT, set(EDITABLE_STATUSES), {Status.SUBMITTED}, {Role.OPERATOR}, _("diajukan")),
        _t(Event.WITHDRAW, {Status.SUBMITTED}, {Status.DRAFT}, {Role.OPERATOR}, _("ditarik ke draf")),
        _t(Event.RETURN, {Status.SUBMITTED}, {Status.RETURNED}, {Role.VERIFIER}, _("dikembalikan")),
        _t(Event.VERIFY, {Status.SUBMITTED}, {Status.VERIFIED}, {Role.VERIFIER}, _("diverifikasi")),
        _t(Event.DECIDE, {Status.VERIFIED}, set(DECIDED_STATUSES), {Role.SECRETARY}, _("diputuskan")),
        # A decision recorded at a meeting that is still open may be corrected there; the status follows.
        _t(Event.CORRECT_DECISION, set(DECIDED_STATUSES), set(DECIDED_STATUSES), {Role.SECRETARY}, _("dikoreksi")),
        _t(Event.CARRY_OVER, {Status.DEFERRED}, set(), {Role.OPERATOR, Role.PLANNER}, _("dilanjutkan")),
    )
}


class TransitionError(Exception):
    """A proposal write that its current state does not allow; the message is shown to the user as is."""


def allows(event: Event, status: str | None, target: str | None = None) -> bool:
    """Whether `event` may happen to a proposal in `status` (None: not created yet), leading to `target`."""
    transition = TRANSITIONS[event]
    if status is None:
        return not transition.sources
    if status not in transition.sources:
        return False
    return target is None or not transition.moves or target in transition.targets


def check(event: Event, status: str | None, target: str | None = None) -> str | None:
    """The status the proposal will have after `event` (None when it does not move), or TransitionError."""
    transition = TRANSITIONS[event]
    if not allows(event, status, target):
        label = Status(status).label if status else gettext("baru")
        if status is not None and status in transition.sources and target is not None:
            raise TransitionError(
                gettext("Usulan berstatus %(status)s tidak dapat menjadi %(target)s.")
                % {"status": label, "target": Status(target).label}
            )
        raise TransitionError(
            gettext("Usulan berstatus %(status)s tidak dapat %(verb)s.") % {"status": label, "verb": transition.verb}
        )
    if not transition.moves:
        return None
    if target is not None:
        return target
    (only,) = transition.targets  # events with several targets (decisions) always name theirs
    return only


def sources(event: Event) -> frozenset[str]:
    """The statuses in which `event` may happen."""
    return TRANSITIONS[event].sources


def roles(event: Event) -> frozenset[str]:
    """The roles that may fire `event`."""
    return TRANSITIONS[event].roles
