"""One permission matrix over every URL of the project and every demo role (pretix `test_permissions.py`).

The URL names come from the resolver, not from this file: a URL without a rule in `RULES` is a failing case that
names it, so no page or action ships without a decision about who may use it. Each case builds its own objects,
in the state that makes the action possible, so a successful POST in one case cannot affect another.

Expected: anonymous -> the login page; outside the user's scope -> 404; in scope without the right -> 403;
allowed -> 200 for a page, 302 for an action that took effect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TypedDict
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from meetings.models import AgendaItem, Attendance, Decision, Desk, DeskIndicatorAgreement, Meeting, MeetingBasis
from programs.models import (
    ExcelJob,
    Indicator,
    IndicatorTarget,
    Nomenclature,
    Notification,
    NotificationPreference,
    Proposal,
    ProposalComment,
    ProposalDocument,
    ReadinessCriterion,
    WorkPlan,
)
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    FundingSchemeFactory,
    MeetingFactory,
    UserFactory,
    WorkPlanFactory,
    funded_proposal,
    proposal_form_data,
    sub_activity,
    verified_proposal,
    work_plan_item,
)

pytestmark = pytest.mark.django_db

WITA = ZoneInfo("Asia/Makassar")
PDF = b"%PDF-1.7\n%%EOF\n"

ANONYMOUS = "anonymous"
# The demo personas of tests/conftest.py, by fixture name.
OPERATOR_BANJAR, OPERATOR_TAPIN = "operator_banjar", "operator_tapin"
VERIFIER, PLANNER, SECRETARY, VIEWER, SUPERUSER = "verifier", "planner", "secretary", "viewer", "superuser"
# The same roles at Dinas PUPR Kab. Banjar: they apply in Banjar only (never on the provincial meeting or Renja).
SECRETARY_BANJAR, PLANNER_BANJAR, VERIFIER_BANJAR = "secretary_banjar", "planner_banjar", "verifier_banjar"
KABUPATEN_STAFF = frozenset({SECRETARY_BANJAR, PLANNER_BANJAR, VERIFIER_BANJAR})
ROLES = (
    ANONYMOUS,
    OPERATOR_BANJAR,
    OPERATOR_TAPIN,
    VERIFIER,
    PLANNER,
    SECRETARY,
    VIEWER,
    SUPERUSER,
    SECRETARY_BANJAR,
    PLANNER_BANJAR,
    VERIFIER_BANJAR,
)
SIGNED_IN = frozenset(ROLES) - {ANONYMOUS}

# Outside the matrix on purpose: the Django admin guards itself (is_staff and model permissions, tests/test_admin.py);
# signing in and out, resetting a forgotten password (tests/rakornis/test_signin_password.py) and choosing a
# language are open to everyone.
UNGUARDED_NAMESPACES = {"admin"}
PUBLIC_URL_NAMES = {
    "login",
    "logout",
    "set_language",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}

LOGIN = "login"  # expected "status" of an anonymous request: a redirect to the login page
NEW_PASSWORD = "Tanggul-Tabanio-2027"


class Scene:
    """The objects a case needs, built on first use: Banjar proposals in each state, an open Kalsel meeting."""

    def __init__(self, banjar, pupr_banjar, pupr_kalsel) -> None:
        self.banjar, self.pupr_banjar, self.pupr_kalsel = banjar, pupr_banjar, pupr_kalsel
        FundingSchemeFactory(code="APBD_KAB")

    def _proposal(self, status: str) -> Proposal:
        return funded_proposal(region=self.banjar, agency=self.pupr_banjar, status=status)

    @cached_property
    def draft(self) -> Proposal:
        return self._proposal(Proposal.Status.DRAFT)

    @cached_property
    def submitted(self) -> Proposal:
        return self._proposal(Proposal.Status.SUBMITTED)

    @cached_property
    def deferred(self) -> Proposal:
        return self._proposal(Proposal.Status.DEFERRED)

    @cached_property
    def document(self) -> ProposalDocument:
        """A DED of the Banjar draft, uploaded by Banjar's operator (the only one, with an administrator, who may
        delete it)."""
        document = ProposalDocument(
            proposal=self.draft,
            kind=ProposalDocument.Kind.DED,
            original_name="DED.pdf",
            content_type="application/pdf",
            size=len(PDF),
            # The persona, when it signed in first (the factory would reset its password, and so its session).
            uploaded_by=get_user_model().objects.filter(username="operator.banjar").first()
            or UserFactory(username="operator.banjar"),
        )
        document.file.save("DED.pdf", ContentFile(PDF))
        return document

    @cached_property
    def verified(self) -> Proposal:
        """Verified and not yet on the agenda."""
        return verified_proposal(self.banjar, self.pupr_banjar, {"APBD_KAB": 1_500_000_000})

    @cached_property
    def meeting(self) -> Meeting:
        return MeetingFactory(
            title="Rakornis Dinas PUPR Kalsel",
            organiser=self.pupr_kalsel,
            starts_at=datetime(2026, 1, 29, 9, 0, tzinfo=WITA),
            ends_at=datetime(2026, 1, 29, 16, 0, tzinfo=WITA),
            fiscal_year=2027,
        )

    @cached_property
    def attendance(self) -> Attendance:
        return AttendanceFactory(meeting=self.meeting, name="Ir. Hadi Santoso")

    @cached_property
    def basis(self) -> MeetingBasis:
        """The second of two bases of the meeting (moving it up makes it the first)."""
        MeetingBasis.objects.create(meeting=self.meeting, text="RTRW Provinsi Kalimantan Selatan", order=1)
        return MeetingBasis.objects.create(meeting=self.meeting, text="Tema RKPD 2027", order=2)

    @cached_property
    def agenda_item(self) -> AgendaItem:
        """A verified Banjar proposal on the meeting's agenda, awaiting a decision."""
        proposal = verified_proposal(self.banjar, self.pupr_banjar, {"APBD_KAB": 1_500_000_000})
        return AgendaItemFactory(meeting=self.meeting, proposal=proposal)

    @cached_property
    def work_plan(self) -> WorkPlan:
        """The draft Renja TA 2027 of Dinas PUPR Prov. Kalsel."""
        return WorkPlanFactory(agency=self.pupr_kalsel)

    @cached_property
    def job(self) -> ExcelJob:
        """A finished export job of a user outside the personas: only its owner may see it."""
        owner = UserFactory(username="pemilik.pekerjaan")
        return ExcelJob.objects.create(
            kind=ExcelJob.Kind.PROPOSAL_EXPORT, user=owner, status=ExcelJob.Status.DONE, filename="Usulan.xlsx"
        )

    @cached_property
    def notification(self) -> Notification:
        """An unread notification of a user outside the personas: nobody else opens or marks it (404)."""
        owner = UserFactory(username="pemilik.notifikasi")
        return Notification.objects.create(recipient=owner, kind=Notification.Kind.SUBMITTED, text="Usulan diajukan.")


def _unread_for_everyone(scene: Scene) -> dict:
    """One unread notification for every account there is now (the persona signed in among them): "mark all
    read" then has something of theirs to mark."""
    users = get_user_model().objects.all()
    Notification.objects.bulk_create(
        Notification(recipient=user, kind=Notification.Kind.VERIFIED, text="Usulan diverifikasi.") for user in users
    )
    return {}


def proposal_data(scene: Scene, **overrides) -> dict:
    return proposal_form_data(
        region=scene.banjar, agency=scene.pupr_banjar, funding=[("APBD_KAB", "1500000000")], **overrides
    )


def meeting_data(scene: Scene, **overrides) -> dict:
    return {
        "kind": Meeting.Kind.RAKORNIS,
        "title": "Rakornis Dinas PUPR Kalsel",
        "organiser": str(scene.pupr_kalsel.pk),
        "starts_at": "2026-01-29T09:00",
        "ends_at": "2026-01-29T16:00",
        "venue": "Aula Dinas PUPR",
        "city": "Banjarbaru",
        "fiscal_year": "2027",
        "purpose": "",
        **overrides,
    }


def status_of(proposal: Proposal) -> str:
    return Proposal.objects.values_list("status", flat=True).get(pk=proposal.pk)


@dataclass(frozen=True)
class Rule:
    """Who may use one URL with one method, and how to build the request against a `Scene`."""

    method: str
    kwargs: Callable[[Scene], dict] = lambda scene: {}
    allowed: frozenset[str] = frozenset()
    # Roles for which the object lies outside their scope: 404 whatever their roles allow.
    hidden_from: frozenset[str] = frozenset()
    data: Callable[[Scene], dict] = lambda scene: {}
    # For a POST: whether it took effect. Asserted true for allowed roles, false for everyone else.
    done: Callable[[Scene], bool] | None = None
    # Statuses that differ from the default for a role, each with the reason.
    special: dict[str, int] = field(default_factory=dict)

    def expected(self, role: str) -> int | str:
        if role == ANONYMOUS:
            return LOGIN
        if role in self.special:
            return self.special[role]
        if role in self.hidden_from:
            return 404
        if role in self.allowed:
            return 200 if self.method == "GET" else 302
        return 403


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)


class Hidden(TypedDict):
    """Keyword arguments of `Rule` shared by many rules: `Rule(..., **BANJAR_ONLY)`."""

    hidden_from: frozenset[str]


EVERYONE = SIGNED_IN
BANJAR_ONLY: Hidden = {"hidden_from": roles(OPERATOR_TAPIN)}  # a Banjar object is invisible to the operator of Tapin
READERS_OF_BANJAR = SIGNED_IN - {OPERATOR_TAPIN}
OPERATOR = roles(OPERATOR_BANJAR, OPERATOR_TAPIN, SUPERUSER)
# A kabupaten verifier verifies in their own kabupaten (Banjar's proposals here); a kabupaten planner carries over.
VERIFIERS = roles(VERIFIER, SUPERUSER, VERIFIER_BANJAR)
CARRIERS = roles(OPERATOR_BANJAR, OPERATOR_TAPIN, PLANNER, SUPERUSER, PLANNER_BANJAR)
SECRETARIAT = roles(SECRETARY, SUPERUSER)
PROVINCIAL = roles(VERIFIER, PLANNER, SECRETARY, VIEWER, SUPERUSER)
PLANNERS = roles(PLANNER, SUPERUSER)
# A provincial agency's Renja lies outside the scope of kabupaten/kota staff (`WorkPlan.objects.for_user`).
PROVINCE_ONLY: Hidden = {"hidden_from": roles(OPERATOR_BANJAR, OPERATOR_TAPIN) | KABUPATEN_STAFF}


def _pk(name: str) -> Callable[[Scene], dict]:
    return lambda scene: {"pk": getattr(scene, name).pk}


def _document(scene: Scene) -> dict:
    return {"pk": scene.draft.pk, "document_pk": scene.document.pk}


def _every_criterion(scene: Scene) -> dict:
    return {"criteria": [str(pk) for pk in ReadinessCriterion.objects.values_list("pk", flat=True)]}


# Who may enter indicator figures somewhere: planners and verifiers (targets), operators (their realisations).
INDICATOR_ENTRY = roles(OPERATOR_BANJAR, OPERATOR_TAPIN, VERIFIER, PLANNER, SUPERUSER, PLANNER_BANJAR, VERIFIER_BANJAR)


def _indicator_code(scene: Scene) -> dict:
    indicator, _ = Indicator.objects.get_or_create(code="IK-PKP-01", defaults={"name": "RTLH", "unit": "unit"})
    return {"code": indicator.code}


DESK_SUB_ACTIVITY = "1.04.02.2.01.0014"  # Perkim: a sub kegiatan of bidang urusan 1.04


def _desk(scene: Scene) -> dict:
    """The meeting's Desk Perkim (bidang urusan 1.04)."""
    sub_activity(DESK_SUB_ACTIVITY)
    sector = Nomenclature.objects.get(code="1.04")
    desk, _ = Desk.objects.get_or_create(meeting=scene.meeting, name="Desk Perkim", defaults={"sector": sector})
    return {"pk": scene.meeting.pk, "desk_pk": desk.pk}


RENJA_SUB_ACTIVITY = "1.03.10.2.01.0053"  # Pembangunan Jalan, under kegiatan 1.03.10.2.01


def _kegiatan(scene: Scene) -> dict:
    """A kegiatan of the provincial Renja: a Banjar line under it is added unless the Renja has lines already
    (the payload scene's Renja has one of the same sub kegiatan)."""
    if not scene.work_plan.items.exists():
        work_plan_item(scene.work_plan, code=RENJA_SUB_ACTIVITY, region=scene.banjar, funding={"APBD_KAB": 1_000_000})
    return {"pk": scene.work_plan.pk, "code": RENJA_SUB_ACTIVITY.rsplit(".", 1)[0]}


def _desk_indicator(scene: Scene) -> dict:
    return {**_desk(scene), **_indicator_code(scene)}


RULES: dict[str, list[Rule]] = {
    "home": [Rule("GET", allowed=EVERYONE)],
    # Every signed-in person has a dashboard; its numbers are scoped by the policy (tests/test_dashboard.py).
    "dashboard": [Rule("GET", allowed=EVERYONE)],
    "password_change": [
        Rule("GET", allowed=EVERYONE),
        # Every signed-in persona changes their own password (the factories' one); an anonymous POST changes none.
        Rule(
            "POST",
            allowed=EVERYONE,
            data=lambda scene: {
                "old_password": "rakornis-demo",
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
            done=lambda scene: any(user.check_password(NEW_PASSWORD) for user in get_user_model().objects.all()),
        ),
    ],
    "password_change_done": [Rule("GET", allowed=EVERYONE)],
    # The planning year in the header: every signed-in user chooses their own (kept in their session).
    "fiscal-year-switch": [
        Rule(
            "POST",
            allowed=EVERYONE,
            data=lambda scene: {"year": "2028", "next": "/usulan/"},
            done=lambda scene: any(s.get_decoded().get("planning_year") == 2028 for s in Session.objects.all()),
        )
    ],
    # Proposals: operators write their own kabupaten/kota, verifiers return and verify in their province,
    # carry-over is for operators (own) and planners, everyone else in scope reads.
    "programs:proposal-list": [Rule("GET", allowed=EVERYONE)],
    # The list's proposals on a map, in the reader's scope like the list (tests/programs/test_map.py).
    "programs:proposal-map": [Rule("GET", allowed=EVERYONE)],
    # The totals of the list's filter that a broad search leaves out, added up on request, in the reader's scope.
    "programs:proposal-totals": [Rule("GET", allowed=EVERYONE)],
    "programs:proposal-create": [
        Rule("GET", allowed=OPERATOR),
        Rule(
            "POST",
            allowed=OPERATOR,
            data=proposal_data,
            done=lambda scene: Proposal.objects.filter(name="Peningkatan Jalan Martapura - Astambul").exists(),
            # May create, but not in Banjar: the form refuses the other kabupaten/kota and shows itself again.
            special={OPERATOR_TAPIN: 200},
        ),
    ],
    "programs:proposal-detail": [Rule("GET", _pk("draft"), allowed=READERS_OF_BANJAR, **BANJAR_ONLY)],
    "programs:proposal-update": [
        Rule("GET", _pk("draft"), allowed=roles(OPERATOR_BANJAR, SUPERUSER), **BANJAR_ONLY),
        Rule(
            "POST",
            _pk("draft"),
            allowed=roles(OPERATOR_BANJAR, SUPERUSER),
            data=lambda scene: proposal_data(scene, name="Jalan Diubah", version=str(scene.draft.version)),
            done=lambda scene: Proposal.objects.filter(pk=scene.draft.pk, name="Jalan Diubah").exists(),
            **BANJAR_ONLY,
        ),
    ],
    "programs:proposal-submit": [
        Rule(
            "POST",
            _pk("draft"),
            allowed=roles(OPERATOR_BANJAR, SUPERUSER),
            done=lambda scene: status_of(scene.draft) == Proposal.Status.SUBMITTED,
            **BANJAR_ONLY,
        )
    ],
    "programs:proposal-withdraw": [
        Rule(
            "POST",
            _pk("submitted"),
            allowed=roles(OPERATOR_BANJAR, SUPERUSER),
            done=lambda scene: status_of(scene.submitted) == Proposal.Status.DRAFT,
            **BANJAR_ONLY,
        )
    ],
    "programs:proposal-return": [
        Rule(
            "POST",
            _pk("submitted"),
            allowed=VERIFIERS,
            data=lambda scene: {"note": "Lengkapi gambar rencana dan RAB."},
            done=lambda scene: status_of(scene.submitted) == Proposal.Status.RETURNED,
            **BANJAR_ONLY,
        )
    ],
    # The verification page (readiness checklist), and its POST with every criterion ticked.
    "programs:proposal-verify": [
        Rule("GET", _pk("submitted"), allowed=VERIFIERS, **BANJAR_ONLY),
        Rule(
            "POST",
            _pk("submitted"),
            allowed=VERIFIERS,
            data=_every_criterion,
            done=lambda scene: status_of(scene.submitted) == Proposal.Status.VERIFIED,
            **BANJAR_ONLY,
        ),
    ],
    # Supporting documents: everyone who sees the proposal lists and downloads them; Banjar's operators attach them
    # to an editable proposal; only the uploader (and an administrator) deletes one.
    "programs:document-list": [Rule("GET", _pk("draft"), allowed=READERS_OF_BANJAR, **BANJAR_ONLY)],
    "programs:document-upload": [
        Rule(
            "POST",
            _pk("draft"),
            allowed=roles(OPERATOR_BANJAR, SUPERUSER),
            data=lambda scene: {"kind": "rab", "file": SimpleUploadedFile("RAB baru.pdf", PDF)},
            done=lambda scene: ProposalDocument.objects.filter(original_name="RAB baru.pdf").exists(),
            **BANJAR_ONLY,
        )
    ],
    "programs:document-download": [Rule("GET", _document, allowed=READERS_OF_BANJAR, **BANJAR_ONLY)],
    "programs:document-delete": [
        Rule(
            "POST",
            _document,
            allowed=roles(OPERATOR_BANJAR, SUPERUSER),
            done=lambda scene: not ProposalDocument.objects.filter(pk=scene.document.pk).exists(),
            **BANJAR_ONLY,
        )
    ],
    # A proposal's thread: whoever sees the proposal reads it; its staff there write (viewers only read).
    "programs:comment-list": [Rule("GET", _pk("draft"), allowed=READERS_OF_BANJAR, **BANJAR_ONLY)],
    "programs:comment-create": [
        Rule(
            "POST",
            _pk("draft"),
            allowed=READERS_OF_BANJAR - {VIEWER},
            data=lambda scene: {"text": "Mohon lampirkan DED."},
            done=lambda scene: ProposalComment.objects.filter(text="Mohon lampirkan DED.").exists(),
            **BANJAR_ONLY,
        )
    ],
    # Notifications: everyone reads and marks their own and sets their preferences; another's is a 404 for all.
    "notifications:notification-list": [Rule("GET", allowed=EVERYONE)],
    "notifications:notification-preferences": [
        Rule("GET", allowed=EVERYONE),
        Rule("POST", allowed=EVERYONE, done=lambda scene: NotificationPreference.objects.exists()),
    ],
    "notifications:notification-read-all": [
        Rule(
            "POST",
            allowed=EVERYONE,
            data=_unread_for_everyone,
            done=lambda scene: Notification.objects.filter(read_at__isnull=False).exists(),
        )
    ],
    "notifications:notification-open": [
        Rule(
            "POST",
            _pk("notification"),
            allowed=EVERYONE,
            hidden_from=SIGNED_IN,
            done=lambda scene: Notification.objects.filter(read_at__isnull=False).exists(),
        )
    ],
    "notifications:notification-read": [
        Rule(
            "POST",
            _pk("notification"),
            allowed=EVERYONE,
            hidden_from=SIGNED_IN,
            done=lambda scene: Notification.objects.filter(read_at__isnull=False).exists(),
        )
    ],
    "programs:proposal-carry-over": [
        Rule(
            "POST",
            _pk("deferred"),
            allowed=CARRIERS,
            done=lambda scene: Proposal.objects.filter(carried_over_from=scene.deferred).exists(),
            **BANJAR_ONLY,
        )
    ],
    # Bulk actions on the list: the page is for whoever holds a bulk action somewhere; submitting Banjar's draft is
    # for its operator (a verifier or planner may open the page but not submit: 403 on the proposal).
    "programs:proposal-bulk": [
        Rule(
            "POST",
            allowed=roles(OPERATOR_BANJAR, SUPERUSER),
            data=lambda scene: {"ids": [str(scene.draft.pk)], "action": "submit"},
            done=lambda scene: status_of(scene.draft) == Proposal.Status.SUBMITTED,
            **BANJAR_ONLY,
        )
    ],
    "programs:proposal-carry-over-bulk": [
        Rule(
            "POST",
            allowed=CARRIERS,
            data=lambda scene: {"ids": [str(scene.deferred.pk)]},
            done=lambda scene: Proposal.objects.filter(carried_over_from=scene.deferred).exists(),
            **BANJAR_ONLY,
        )
    ],
    # The form's JSON helpers: a kabupaten/kota outside the scope is a 404; the nomenclature is public reference.
    "programs:region-children": [
        Rule("GET", lambda scene: {"code": scene.banjar.code}, allowed=EVERYONE, **BANJAR_ONLY)
    ],
    "programs:sub-activity-search": [Rule("GET", allowed=EVERYONE)],
    "programs:program-search": [Rule("GET", allowed=EVERYONE)],
    # Everyone signed in may ask; what it answers is the asker's scope (tests/programs/test_region_filter.py).
    "programs:region-search": [Rule("GET", allowed=EVERYONE)],
    # Renja: everyone reads the plans of their scope; planners create, sync and finalise them.
    "workplans:workplan-list": [Rule("GET", allowed=EVERYONE)],
    "workplans:workplan-create": [
        Rule(
            "POST",
            allowed=PLANNERS,
            data=lambda scene: {"agency": str(scene.pupr_kalsel.pk), "fiscal_year": "2028"},
            done=lambda scene: WorkPlan.objects.filter(agency=scene.pupr_kalsel, fiscal_year=2028).exists(),
            # Plans in Banjar, not for the province: back to the list with the refusal, nothing created.
            special={PLANNER_BANJAR: 302},
        )
    ],
    "workplans:workplan-detail": [Rule("GET", _pk("work_plan"), allowed=PROVINCIAL, **PROVINCE_ONLY)],
    # The detail page's parts, the same policy call (`get_work_plan_for_user`): one kegiatan's rows, the print form.
    "workplans:workplan-kegiatan": [Rule("GET", _kegiatan, allowed=PROVINCIAL, **PROVINCE_ONLY)],
    "workplans:workplan-print": [Rule("GET", _pk("work_plan"), allowed=PROVINCIAL, **PROVINCE_ONLY)],
    "workplans:workplan-sync": [
        Rule("GET", _pk("work_plan"), allowed=PLANNERS, **PROVINCE_ONLY),
        Rule(
            "POST",
            _pk("work_plan"),
            allowed=PLANNERS,
            done=lambda scene: WorkPlan.objects.filter(pk=scene.work_plan.pk, synced_at__isnull=False).exists(),
            **PROVINCE_ONLY,
        ),
    ],
    "workplans:workplan-finalise": [
        Rule(
            "POST",
            _pk("work_plan"),
            allowed=PLANNERS,
            done=lambda scene: WorkPlan.objects.filter(pk=scene.work_plan.pk, status=WorkPlan.Status.FINAL).exists(),
            **PROVINCE_ONLY,
        )
    ],
    # Meetings: every role in scope reads; the secretariat manages; the Berita Acara is for provincial roles.
    # A provincial meeting is in the scope of the province's kabupaten/kota operators too.
    "meetings:meeting-list": [Rule("GET", allowed=EVERYONE)],
    "meetings:meeting-detail": [Rule("GET", _pk("meeting"), allowed=EVERYONE)],
    # A kabupaten secretary organises Banjar's meetings: the form opens, but offers no provincial organiser, so
    # the provincial Rakornis posted here is refused by the form (200, nothing created).
    "meetings:meeting-create": [
        Rule("GET", allowed=SECRETARIAT | {SECRETARY_BANJAR}),
        Rule(
            "POST",
            allowed=SECRETARIAT,
            data=lambda scene: meeting_data(scene, title="Rakortek Baru"),
            done=lambda scene: Meeting.objects.filter(title="Rakortek Baru").exists(),
            special={SECRETARY_BANJAR: 200},
        ),
    ],
    "meetings:meeting-update": [
        Rule("GET", _pk("meeting"), allowed=SECRETARIAT),
        Rule(
            "POST",
            _pk("meeting"),
            allowed=SECRETARIAT,
            data=lambda scene: meeting_data(scene, title="Rakornis Diubah"),
            done=lambda scene: Meeting.objects.filter(pk=scene.meeting.pk, title="Rakornis Diubah").exists(),
        ),
    ],
    "meetings:attendance-add": [
        Rule(
            "POST",
            _pk("meeting"),
            allowed=SECRETARIAT,
            data=lambda scene: {"name": "Dra. Siti Aminah", "capacity": Attendance.Capacity.PARTICIPANT},
            done=lambda scene: scene.meeting.attendances.filter(name="Dra. Siti Aminah").exists(),
        )
    ],
    "meetings:attendance-form": [Rule("GET", _pk("meeting"), allowed=SECRETARIAT)],
    "meetings:agenda-form": [Rule("GET", _pk("meeting"), allowed=SECRETARIAT)],
    "meetings:agenda-agree": [
        Rule(
            "POST",
            _pk("meeting"),
            allowed=SECRETARIAT,
            data=lambda scene: {"usulan": [str(scene.agenda_item.proposal_id)]},
            done=lambda scene: Decision.objects.filter(meeting=scene.meeting).exists(),
        )
    ],
    "meetings:attendance-delete": [
        Rule(
            "POST",
            lambda scene: {"pk": scene.meeting.pk, "attendance_pk": scene.attendance.pk},
            allowed=SECRETARIAT,
            done=lambda scene: not Attendance.objects.filter(pk=scene.attendance.pk).exists(),
        )
    ],
    "meetings:basis-add": [
        Rule(
            "POST",
            _pk("meeting"),
            allowed=SECRETARIAT,
            data=lambda scene: {"dasar-text": "RPJMD Provinsi Kalimantan Selatan 2025-2029"},
            done=lambda scene: scene.meeting.bases.filter(text__startswith="RPJMD").exists(),
        )
    ],
    "meetings:basis-update": [
        Rule(
            "POST",
            lambda scene: {"pk": scene.meeting.pk, "basis_pk": scene.basis.pk},
            allowed=SECRETARIAT,
            data=lambda scene: {f"dasar-{scene.basis.pk}-text": "Tema RKPD 2027: Kalsel Maju"},
            done=lambda scene: scene.meeting.bases.filter(text="Tema RKPD 2027: Kalsel Maju").exists(),
        )
    ],
    "meetings:basis-move": [
        Rule(
            "POST",
            lambda scene: {"pk": scene.meeting.pk, "basis_pk": scene.basis.pk},
            allowed=SECRETARIAT,
            data=lambda scene: {"arah": "naik"},
            done=lambda scene: scene.meeting.bases.order_by("order", "pk").first() == scene.basis,
        )
    ],
    "meetings:basis-delete": [
        Rule(
            "POST",
            lambda scene: {"pk": scene.meeting.pk, "basis_pk": scene.basis.pk},
            allowed=SECRETARIAT,
            done=lambda scene: not MeetingBasis.objects.filter(pk=scene.basis.pk).exists(),
        )
    ],
    "meetings:agenda-add": [
        Rule(
            "POST",
            _pk("meeting"),
            allowed=SECRETARIAT,
            data=lambda scene: {"regency": str(scene.verified.region_id)},
            done=lambda scene: scene.meeting.agenda_items.filter(proposal=scene.verified).exists(),
        )
    ],
    "meetings:agenda-remove": [
        Rule(
            "POST",
            lambda scene: {"pk": scene.meeting.pk, "item_pk": scene.agenda_item.pk},
            allowed=SECRETARIAT,
            done=lambda scene: not AgendaItem.objects.filter(pk=scene.agenda_item.pk).exists(),
        )
    ],
    "meetings:decision-record": [
        Rule(
            "GET",
            lambda scene: {"pk": scene.meeting.pk, "proposal_pk": scene.agenda_item.proposal_id},
            allowed=SECRETARIAT,
        ),
        Rule(
            "POST",
            lambda scene: {"pk": scene.meeting.pk, "proposal_pk": scene.agenda_item.proposal_id},
            allowed=SECRETARIAT,
            data=lambda scene: {"outcome": Decision.Outcome.AGREED, "version": str(scene.agenda_item.proposal.version)},
            done=lambda scene: Decision.objects.filter(meeting=scene.meeting).exists(),
        ),
    ],
    "meetings:meeting-close": [
        Rule(
            "POST",
            _pk("meeting"),
            allowed=SECRETARIAT,
            done=lambda scene: Meeting.objects.filter(pk=scene.meeting.pk, closed_at__isnull=False).exists(),
        )
    ],
    "meetings:meeting-minutes": [Rule("GET", _pk("meeting"), allowed=PROVINCIAL)],
    # A desk is read by whoever sees its meeting; what it agrees is recorded by the meeting's secretariat.
    "meetings:desk-detail": [Rule("GET", _desk, allowed=EVERYONE)],
    "meetings:desk-agreement": [
        Rule(
            "POST",
            _desk_indicator,
            allowed=SECRETARIAT,
            data=lambda scene: {"sub_kegiatan": [str(sub_activity(DESK_SUB_ACTIVITY).pk)]},
            done=lambda scene: DeskIndicatorAgreement.objects.exists(),
        )
    ],
    # The full Berita Acara, written by the worker: the same readers as the page; the job is the reader's own.
    "meetings:meeting-minutes-job": [
        Rule(
            "POST",
            _pk("meeting"),
            allowed=PROVINCIAL,
            done=lambda scene: ExcelJob.objects.filter(kind=ExcelJob.Kind.MEETING_MINUTES).exists(),
        )
    ],
    # Excel: operators import into their own kabupaten/kota (the upload answers with its preview, 200); verifiers
    # and planners may hand out the template; every reader exports what they see; the meeting annex follows the
    # Berita Acara; a background job is its owner's alone (everyone else: 404).
    "programs:proposal-template": [
        Rule("GET", allowed=OPERATOR | roles(VERIFIER, PLANNER) | KABUPATEN_STAFF - {SECRETARY_BANJAR})
    ],
    "programs:proposal-import": [
        Rule("GET", allowed=OPERATOR),
        Rule(
            "POST",
            allowed=OPERATOR,
            data=lambda scene: {"file": SimpleUploadedFile("usulan.csv", b"Nama Usulan;Volume\n", "text/csv")},
            special={OPERATOR_BANJAR: 200, OPERATOR_TAPIN: 200, SUPERUSER: 200},
        ),
    ],
    # Only an operator's own previewed upload (held in their session) can be saved, and a case has none: operators
    # are sent back to the upload page with a message (302) and nothing is saved; others get 403. The save itself
    # and the 405 on GET are in tests/programs/test_proposal_import_view.py.
    "programs:proposal-import-confirm": [
        Rule(
            "POST",
            data=lambda scene: {"token": "x"},
            done=lambda scene: Proposal.objects.exists(),
            special={OPERATOR_BANJAR: 302, OPERATOR_TAPIN: 302, SUPERUSER: 302},
        )
    ],
    "programs:proposal-export": [Rule("GET", allowed=EVERYONE)],
    "workplans:recap-export": [Rule("GET", allowed=EVERYONE)],
    "workplans:workplan-export": [Rule("GET", _pk("work_plan"), allowed=PROVINCIAL, **PROVINCE_ONLY)],
    "workplans:workplan-stakeholders-export": [Rule("GET", _pk("work_plan"), allowed=PROVINCIAL, **PROVINCE_ONLY)],
    # Every signed-in user opens their own jobs; the scene's job belongs to someone else, so it is a 404 for all.
    "programs:job-detail": [Rule("GET", _pk("job"), allowed=EVERYONE, hidden_from=SIGNED_IN)],
    "programs:job-status": [Rule("GET", _pk("job"), allowed=EVERYONE, hidden_from=SIGNED_IN)],
    "programs:job-download": [Rule("GET", _pk("job"), allowed=EVERYONE, hidden_from=SIGNED_IN)],
    "meetings:meeting-annex-export": [Rule("GET", _pk("meeting"), allowed=PROVINCIAL)],
    # Indicators: every role reads them (figures of its scope); planners and verifiers set targets, operators also
    # report their own kabupaten/kota's realisation (Tapin's operator may enter, but not in Banjar: the form
    # refuses, 200); an import preview is its uploader's alone (the scene's job is someone else's: 404).
    "indicators:indicator-list": [Rule("GET", allowed=EVERYONE)],
    "indicators:indicator-detail": [Rule("GET", _indicator_code, allowed=EVERYONE)],
    "indicators:indicator-entry": [
        Rule("GET", _indicator_code, allowed=INDICATOR_ENTRY),
        Rule(
            "POST",
            _indicator_code,
            allowed=INDICATOR_ENTRY,
            data=lambda scene: {
                "form": "angka",
                "region": str(scene.banjar.pk),
                "year": "2026",
                "figure": "realisation",
                "value": "150",
                "source_document": "Laporan Disperkim Banjar",
                "source_date": "2027-01-15",
            },
            done=lambda scene: IndicatorTarget.objects.filter(realisation=150).exists(),
            special={OPERATOR_TAPIN: 200},
        ),
    ],
    "indicators:indicator-template": [Rule("GET", allowed=INDICATOR_ENTRY)],
    "indicators:indicator-import": [
        Rule("GET", allowed=INDICATOR_ENTRY),
        Rule(
            "POST",
            allowed=INDICATOR_ENTRY,
            data=lambda scene: {"file": SimpleUploadedFile("capaian.csv", b"Kode;Nilai\n", "text/csv")},
            special=dict.fromkeys(INDICATOR_ENTRY, 200),
        ),
    ],
    "indicators:indicator-import-preview": [Rule("GET", _pk("job"), allowed=EVERYONE, hidden_from=SIGNED_IN)],
    "indicators:indicator-import-confirm": [
        Rule(
            "POST",
            _pk("job"),
            allowed=INDICATOR_ENTRY,
            hidden_from=INDICATOR_ENTRY,
            done=lambda scene: IndicatorTarget.objects.exists(),
        )
    ],
}


def _url_names(patterns, namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in UNGUARDED_NAMESPACES:
                continue
            inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


URL_NAMES = sorted(set(_url_names(get_resolver().url_patterns)) - PUBLIC_URL_NAMES)


def _cases() -> Iterator:
    for name in URL_NAMES:
        if name not in RULES:
            yield pytest.param(name, None, None, id=f"{name}-NO-RULE")
            continue
        for rule in RULES[name]:
            for role in ROLES:
                yield pytest.param(name, rule, role, id=f"{name}-{rule.method}-{role}")


@pytest.fixture
def scene(banjar, pupr_banjar, pupr_kalsel) -> Scene:
    return Scene(banjar, pupr_banjar, pupr_kalsel)


def _login_as(client, request, role: str) -> None:
    if role != ANONYMOUS:
        client.force_login(request.getfixturevalue(role))


def _url(name: str, rule: Rule, scene: Scene) -> str:
    kwargs = rule.kwargs(scene)
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch as exc:  # the route changed under the rule: say which one
        pytest.fail(f"Cannot reverse {name!r} with {kwargs!r} from RULES in {__name__}: {exc}")


@pytest.mark.parametrize(("name", "rule", "role"), list(_cases()))
def test_permission(client, request, scene, name: str, rule: Rule | None, role: str | None):
    if rule is None:
        pytest.fail(
            f"URL {name!r} has no rule in RULES ({__name__}): add who may GET/POST it and how to build its "
            "arguments, so that no URL ships without an access rule."
        )
    assert role is not None  # _cases() leaves the role out only with the rule
    url = _url(name, rule, scene)
    _login_as(client, request, role)
    if rule.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, rule.data(scene))
    expected = rule.expected(role)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    else:
        assert response.status_code == expected, f"{role} {rule.method} {name}: {response.status_code} != {expected}"
    if rule.done is not None:
        assert rule.done(scene) is (expected == 302 and role in rule.allowed)


def test_every_rule_names_a_live_url():
    """A rule for a URL that no longer exists is a rule nobody checks."""
    assert sorted(set(RULES) - set(URL_NAMES)) == []


POST_ONLY = sorted(name for name, rules in RULES.items() if {rule.method for rule in rules} == {"POST"})


@pytest.mark.parametrize(
    ("name", "role"),
    [pytest.param(name, role, id=f"{name}-{role}") for name in POST_ONLY for role in sorted(RULES[name][0].allowed)],
)
def test_get_on_an_action_is_refused(client, request, scene, name: str, role: str):
    rule = RULES[name][0]
    url = _url(name, rule, scene)
    _login_as(client, request, role)
    response = client.get(url)
    assert response.status_code == 405
    assert rule.done is not None, f"{name}: a POST rule says how to tell that it took effect"
    assert rule.done(scene) is False


READ_ONLY = sorted(name for name, rules in RULES.items() if {rule.method for rule in rules} == {"GET"})


@pytest.mark.parametrize("name", READ_ONLY)
def test_post_on_a_page_is_refused(client, request, scene, name: str):
    rule = RULES[name][0]
    url = _url(name, rule, scene)
    _login_as(client, request, min(rule.allowed - {SUPERUSER}))
    assert client.post(url).status_code == 405
