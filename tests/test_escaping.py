"""Escaping by construction (issue 7, item 8): what people type never reaches a page as markup.

Every text a person can fill holds an XSS payload: a proposal's name, location, unit, output indicator, notes and
out-of-nomenclature reason; the names of its kabupaten/kota, kecamatan, desa, agency, sub kegiatan and funding
scheme; a meeting's title, venue, city and purpose; an attendance line; a decision's reason; an audit note and the
values it records; a Renja line; a background job's file name, summary and error; the signed-in user's name.
Then every page is opened by the superuser and by each role that may open it.

The pages are the permission matrix's (tests/test_permission_matrix.py): its URL list comes from the resolver and
its `Scene` builds each case's objects, so a page is crawled here as soon as it has an access rule there. The
admin's changelist, change, history and delete pages of every registered model are crawled as the superuser and
as a view-only staff member.

A page fails when its HTML holds a payload as markup, whether as the raw text or as what a browser would make of
it (an `onerror` attribute, a script element that calls alert(1)); the message names the URL and the role.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from crispy_forms.utils import render_crispy_form
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape, escapejs

from agencies.models import Agency, Region, StaffRole
from meetings.models import AgendaItem, Attendance, Decision, Desk, DeskIndicatorAgreement, Meeting, MeetingBasis
from meetings.summary import meeting_summary_rebuild
from programs.models import (
    ExcelJob,
    FundingScheme,
    Indicator,
    IndicatorDenominator,
    IndicatorSource,
    IndicatorSubActivity,
    IndicatorTarget,
    Nomenclature,
    NomenclatureDecree,
    NomenclatureMapping,
    Notification,
    NotificationPreference,
    Proposal,
    ProposalCheck,
    ProposalCheckItem,
    ProposalComment,
    ProposalDocument,
    ProposalNumberCounter,
    ReadinessCriterion,
    WorkPlan,
)
from rakornis.admin_scope import SuperuserOnlyAdminMixin
from rakornis.audit import audit_log
from rakornis.models import AuditEntry
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    DecisionFactory,
    FundingSchemeFactory,
    MeetingFactory,
    ProposalFundingFactory,
    StaffRoleFactory,
    UserFactory,
    WorkPlanFactory,
    agreed_proposal,
    district,
    funded_proposal,
    proposal_form_data,
    province,
    regency,
    sub_activity,
    usulan_xlsx,
    verified_proposal,
    village,
    work_plan_item,
)
from tests.test_permission_matrix import (
    EVERYONE,
    OPERATOR_BANJAR,
    READERS_OF_BANJAR,
    RULES,
    SECRETARIAT,
    SECRETARY,
    SUPERUSER,
    URL_NAMES,
    VERIFIER,
    WITA,
    Rule,
    Scene,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS = "');alert(1);//"  # out of a JavaScript string, e.g. an onsubmit="return confirm('...')" that quotes a name
PAYLOADS = (SCRIPT, IMG, JS)
ALL = " ".join(PAYLOADS)
# What a page must never contain: the payloads as typed, up to the point where they would run. (Escaped for HTML,
# the quote of JS becomes &#x27;; escaped for JavaScript, \u0027.)
NEEDLES = (SCRIPT, "<img src=x onerror", "');alert(1)")

SUB_ACTIVITY = "1.03.10.2.01.0053"
PROJECT_APPS = ("agencies", "programs", "meetings", "rakornis")


class _Markup(HTMLParser):
    """What a browser would run: an element with an `onerror` attribute, an event handler that leaves its string
    (the attribute as the browser decodes it), or a script element that calls alert(1) (JSON data blocks from
    `json_script` are data, not code)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "onerror":
                self.found.append(f"<{tag}> with an onerror attribute")
            elif name.startswith("on") and JS in (value or ""):
                self.found.append(f"<{tag} {name}> running {value[:120]!r}")
        if tag == "script":
            self._in_script = dict(attrs).get("type") != "application/json"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(1)" in data:
            self.found.append(f"a script element running {data.strip()[:80]!r}")


def markup_found(html: str) -> list[str]:
    """The payloads that `html` holds as markup, each with the text around it."""
    found = []
    for needle in NEEDLES:
        at = html.find(needle)
        if at != -1:
            found.append(f"raw {needle!r} in …{html[max(at - 120, 0) : at + 60]}…")
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return found + parser.found


def assert_escaped(response, what: str) -> None:
    """`response`, when it is a page, shows every payload as text."""
    if not response["Content-Type"].startswith("text/html"):
        return  # JSON, workbooks and files are not parsed as HTML (and the browser is told not to sniff them)
    found = markup_found(response.content.decode())
    assert not found, f"{what} prints user data as markup:\n" + "\n".join(found)


# The payload world ---------------------------------------------------------------------------------------------


def texts(unit: str) -> dict:
    """Every text field of a proposal, with the payloads; `unit` (at most 30 characters) holds one of them."""
    return {
        "name": f"Jalan {ALL}",
        "location": f"Ruas {ALL}",
        "unit": unit,
        "output_indicator": f"Panjang jalan {ALL}",
        "notes": f"Catatan {ALL}",
        "out_of_catalogue_reason": f"Di luar nomenklatur {ALL}",
    }


@pytest.fixture
def banjar():
    return regency("63.03", f"Kabupaten Banjar {ALL}")


@pytest.fixture
def pupr_banjar(banjar):
    return AgencyFactory(
        short_name=f"PUPR Banjar {IMG} {JS}",
        name=f"Dinas PUPR Kabupaten Banjar {SCRIPT}",
        description=ALL,
        region=banjar,
    )


@pytest.fixture
def pupr_kalsel():
    return AgencyFactory(
        short_name=f"PUPR Kalsel {SCRIPT} {JS}",
        name=f"Dinas PUPR Provinsi Kalimantan Selatan {IMG}",
        level=Agency.Level.PROVINCIAL,
        region=province("63", "Kalimantan Selatan"),
    )


class PayloadScene(Scene):
    """The permission matrix's scene with a payload in every text, and whatever else a page can show: decisions
    with reasons, a desk, a Renja line, an audit entry, a job of the user who opens the pages."""

    def __init__(self, banjar, pupr_banjar, pupr_kalsel, *, user) -> None:
        self.user = user
        # Created before the base scene asks for them by code, so that its rows carry the payloads too.
        FundingSchemeFactory(code="APBD_KAB", name=f"APBD Kab/Kota {SCRIPT}", short_name=IMG, description=ALL)
        road = sub_activity(SUB_ACTIVITY, f"Pembangunan Jalan {SCRIPT}")
        for node in Nomenclature.objects.all():
            node.name = f"{node.name} {ALL}"
            node.unit, node.indicator, node.performance = SCRIPT, ALL, ALL
            node.save()
        self.road = Nomenclature.objects.get(pk=road.pk)
        Region.objects.filter(code="63").update(name=f"Kalimantan Selatan {IMG}")
        self.district = district("63.03.01", f"Aluh-Aluh {SCRIPT}")
        self.village = village("63.03.01.2001", f"Desa {IMG}")
        super().__init__(banjar, pupr_banjar, pupr_kalsel)
        user.first_name, user.last_name = SCRIPT, IMG
        user.save()

    def where(self) -> dict:
        return {"region": self.banjar, "agency": self.pupr_banjar, "district": self.district, "village": self.village}

    def _proposal(self, status: str) -> Proposal:
        if status == Proposal.Status.DRAFT:  # outside the nomenclature, so its reason is shown
            return funded_proposal(
                **self.where(), status=status, sub_activity=None, out_of_catalogue=True, **texts(IMG)
            )
        return funded_proposal(**self.where(), status=status, **texts(JS))

    @cached_property
    def verified(self) -> Proposal:
        return verified_proposal(self.banjar, self.pupr_banjar, {"APBD_KAB": 1_500_000_000}, **texts(IMG))

    @cached_property
    def meeting(self) -> Meeting:
        return MeetingFactory(
            title=f"Rakornis {ALL}",
            organiser=self.pupr_kalsel,
            starts_at=datetime(2026, 1, 29, 9, 0, tzinfo=WITA),
            ends_at=datetime(2026, 1, 29, 16, 0, tzinfo=WITA),
            fiscal_year=2027,
            venue=f"Aula {ALL}",
            city=f"Banjarbaru {ALL}",
            purpose=f"Maksud {ALL}",
        )

    @cached_property
    def desk(self) -> Desk:
        return Desk.objects.create(
            meeting=self.meeting, name=f"Desk {ALL}", sector=Nomenclature.objects.get(code="1.03")
        )

    @cached_property
    def attendance(self) -> Attendance:
        return AttendanceFactory(
            meeting=self.meeting,
            name=f"Ir. Hadi {ALL}",
            position=f"Kepala Bidang {ALL}",
            represents=f"Kepala Dinas {ALL}",
            agency=self.pupr_banjar,
            desk=self.desk,
        )

    @cached_property
    def agenda_item(self) -> AgendaItem:
        """On the agenda, awaiting a decision: the decision form shows its unit (the script payload)."""
        proposal = verified_proposal(self.banjar, self.pupr_banjar, {"APBD_KAB": 1_500_000_000}, **texts(SCRIPT))
        return AgendaItem.objects.create(meeting=self.meeting, proposal=proposal)

    @cached_property
    def decided(self) -> Proposal:
        """Agreed with changes, executed by the province (so that its Renja shows it), with a reason."""
        proposal = agreed_proposal(
            executing_agency=self.pupr_kalsel,
            funding={"APBD_KAB": 1_250_000_000},
            proposal_funding={"APBD_KAB": 1_500_000_000},
            meeting=self.meeting,
            outcome=Decision.Outcome.AGREED_WITH_CHANGES,
            agreed_volume="2",
            region=self.banjar,
            agency=self.pupr_banjar,
            district=self.district,
            **texts(IMG),
        )
        Decision.objects.filter(proposal=proposal).update(reason=f"Disesuaikan {ALL}", desk=self.desk)
        meeting_summary_rebuild(self.meeting)  # the desk set around the services: its recap row shows its name
        AgendaItem.objects.create(meeting=self.meeting, proposal=proposal)
        return proposal

    @cached_property
    def rejected(self) -> Proposal:
        proposal = funded_proposal(**self.where(), status=Proposal.Status.REJECTED, **texts(SCRIPT))
        DecisionFactory(
            meeting=self.meeting, proposal=proposal, outcome=Decision.Outcome.REJECTED, reason=f"Ditolak {ALL}"
        )
        AgendaItem.objects.create(meeting=self.meeting, proposal=proposal)
        return proposal

    @cached_property
    def work_plan(self) -> WorkPlan:
        work_plan = WorkPlanFactory(agency=self.pupr_kalsel)
        work_plan_item(
            work_plan,
            code=SUB_ACTIVITY,
            region=self.banjar,
            funding={"APBD_KAB": 1_000_000_000},
            sources=(self.decided,),
            location=f"Ruas {ALL}",
            target=f"2 {SCRIPT}",
            forward_target=f"1 {IMG}",
            notes=f"Catatan {ALL}",
        )
        return work_plan

    @cached_property
    def job(self) -> ExcelJob:
        """A finished import of the user who opens the pages (a job is its owner's alone)."""
        job = ExcelJob.objects.create(
            kind=ExcelJob.Kind.PROPOSAL_IMPORT,
            user=self.user,
            status=ExcelJob.Status.DONE,
            filename=f"{SCRIPT}.xlsx",
            summary=f"Selesai {ALL}",
            error=f"Baris 3 {ALL}",
        )
        job.file.save("usulan.xlsx", ContentFile(b"PK"), save=True)
        return job

    @cached_property
    def indicator_preview(self) -> ExcelJob:
        """A checked indicator file of the user who opens the pages, an error and a row with payloads."""
        row = {"row": 2, "indicator": SCRIPT, "region": IMG, "year": 2027, "figure": ALL, "old": SCRIPT}
        return ExcelJob.objects.create(
            kind=ExcelJob.Kind.INDICATOR_PREVIEW,
            user=self.user,
            status=ExcelJob.Status.DONE,
            filename=f"{SCRIPT}.xlsx",
            outcome={
                "error_count": 1,
                "errors": [{"row": 3, "column": IMG, "message": ALL}],
                "rows": [row | {"value": IMG, "source": ALL, "action": SCRIPT}],
            },
        )

    @cached_property
    def audit(self) -> AuditEntry:
        return audit_log(
            user=self.user,
            obj=self.draft,
            action=AuditEntry.Action.RETURNED,
            changes={
                "unit": ["km", SCRIPT],
                "name": [IMG, SCRIPT],
                "location": [ALL, ""],
                "funding": [{"APBD_KAB": "1000000000"}, {"APBD_KAB": "1500000000"}],
            },
            note=f"Lengkapi {ALL}",
        )

    def everything(self) -> PayloadScene:
        """Every object, so that lists, recaps and the Berita Acara show all of them whatever the page."""
        for name in ("draft", "submitted", "deferred", "verified", "attendance", "agenda_item", "decided"):
            getattr(self, name)
        for name in ("rejected", "work_plan", "job", "audit"):
            getattr(self, name)
        indicator = Indicator.objects.create(
            code="IK-JLN-01", name=f"Jalan mantap {ALL}", unit=SCRIPT, sector=self.desk.sector
        )
        source = IndicatorSource.objects.create(document=f"SK {ALL}", number=SCRIPT, date=date(2026, 2, 12))
        IndicatorTarget.objects.create(
            indicator=indicator, region=self.banjar, year=2027, target=Decimal("80"), target_source=source
        )
        IndicatorDenominator.objects.create(
            indicator=indicator, region=self.banjar, value=Decimal("120"), label=IMG, source=source
        )
        IndicatorSubActivity.objects.create(
            indicator=indicator, sub_activity=Nomenclature.objects.get(code=SUB_ACTIVITY)
        )
        # A document and a readiness check of the draft (payloads in its name, note and description), and the
        # kabupaten's number counter: their admins list Banjar's rows.
        ProposalDocument.objects.create(
            proposal=self.draft,
            kind=ProposalDocument.Kind.DED,
            file=f"documents/{self.draft.pk}/uji.pdf",
            original_name=f"{SCRIPT}.pdf",
            description=ALL,
            content_type="application/pdf",
            size=1024,
            uploaded_by=self.user,
        )
        check = ProposalCheck.objects.create(
            proposal=self.draft,
            outcome=ProposalCheck.Outcome.RETURNED,
            note=f"Lengkapi {ALL}",
            checked_by=self.user,
            checked_at=datetime(2026, 1, 20, 10, 0, tzinfo=WITA),
        )
        criterion = ReadinessCriterion.objects.order_by("order")[0]
        ReadinessCriterion.objects.filter(pk=criterion.pk).update(name=f"DED {ALL}")
        ProposalCheckItem.objects.create(proposal_check=check, criterion=criterion, met=False)
        ProposalNumberCounter.objects.get_or_create(fiscal_year=2027, region=self.banjar)
        # The draft's thread, the opener's notification and preference, the meeting's basis and what its desk
        # agreed, with payloads in the texts (the proposal summary's rows come with the proposals).
        ProposalComment.objects.create(proposal=self.draft, author=self.user, text=f"Komentar {ALL}")
        Notification.objects.create(
            recipient=self.user,
            kind=Notification.Kind.COMMENTED,
            proposal=self.draft,
            actor=self.user,
            text=f"Komentar baru {ALL}",
        )
        NotificationPreference.objects.create(user=self.user, kind=Notification.Kind.COMMENTED, email=False)
        MeetingBasis.objects.create(meeting=self.meeting, order=1, text=f"RPJMD {ALL}")
        DeskIndicatorAgreement.objects.create(
            desk=self.desk,
            indicator=indicator,
            sub_activity=Nomenclature.objects.get(code=SUB_ACTIVITY),
            agreed_by=self.user,
        )
        # A decree with payloads in its number and file, which retired a code it maps to the road.
        decree = NomenclatureDecree.objects.create(
            number=f"Kepmendagri {SCRIPT}", date=date(2023, 2, 27), source_file=IMG
        )
        old = sub_activity("1.03.10.2.01.0009", f"Jalan lama {ALL}")
        Nomenclature.objects.filter(pk=old.pk).update(is_active=False, retired_by=decree, regency_name=ALL)
        NomenclatureMapping.objects.create(old=old, new=self.road, decree=decree)
        Group.objects.create(name=f"Operator {SCRIPT}")
        # Someone else's account and role, and a Renja of the kabupaten (a provincial one is outside its scope).
        other = UserFactory(username="operator.lain", first_name=SCRIPT, last_name=IMG, email="lain@example.go.id")
        StaffRoleFactory(user=other, agency=self.pupr_banjar, role=StaffRole.Role.OPERATOR)
        work_plan_item(
            WorkPlanFactory(agency=self.pupr_banjar),
            code=SUB_ACTIVITY,
            region=self.banjar,
            funding={"APBD_KAB": 1_000_000_000},
            sources=(self.decided,),
            location=f"Ruas {ALL}",
            target=f"2 {SCRIPT}",
            notes=f"Catatan {ALL}",
        )
        return self


@pytest.fixture
def payload_scene(request, banjar, pupr_banjar, pupr_kalsel):
    """`payload_scene(user)`: the whole payload world, with the job and the audit entry of `user`."""

    def build(user) -> PayloadScene:
        return PayloadScene(banjar, pupr_banjar, pupr_kalsel, user=user).everything()

    return build


def sign_in(client, request, role: str):
    user = request.getfixturevalue(role)
    client.force_login(user)
    return user


# Every page of the application ---------------------------------------------------------------------------------

# Pages whose object, in the payload scene, belongs to whoever opens them: a job is its owner's alone, so in the
# permission matrix (where it is someone else's) it is a 404 for everyone.
OWN_OBJECT = {"programs:job-detail", "programs:job-status", "programs:job-download"}

# Pages in other states than the matrix opens them in: a proposal decided at the meeting (its decision shown on its
# page, its decision form with the reason filled in) and one rejected there.
MORE_PAGES: dict[str, list[Rule]] = {
    "programs:proposal-detail": [
        Rule("GET", lambda scene: {"pk": scene.decided.pk}, allowed=READERS_OF_BANJAR),
        Rule("GET", lambda scene: {"pk": scene.rejected.pk}, allowed=READERS_OF_BANJAR),
    ],
    "meetings:decision-record": [
        Rule("GET", lambda scene: {"pk": scene.meeting.pk, "proposal_pk": scene.decided.pk}, allowed=SECRETARIAT),
    ],
    # The matrix's job is someone else's (404 for all); here a preview of the opener's own file, payloads in its rows.
    "indicators:indicator-import-preview": [
        Rule("GET", lambda scene: {"pk": scene.indicator_preview.pk}, allowed=EVERYONE)
    ],
}


def openers(name: str, rule: Rule) -> list[str]:
    """The roles that may open the page (200)."""
    if name in OWN_OBJECT:
        return sorted(rule.allowed)
    return sorted(role for role in rule.allowed if rule.expected(role) == 200)


def page_cases() -> Iterator:
    for name in URL_NAMES:
        pages = [rule for rule in [*RULES.get(name, ()), *MORE_PAGES.get(name, ())] if rule.method == "GET"]
        for index, rule in enumerate(pages):
            label = name if index == 0 else f"{name}[{index}]"
            for role in openers(name, rule):
                yield pytest.param(name, rule, role, id=f"{label}-{role}")


PAGE_CASES = list(page_cases())


def test_every_page_of_the_matrix_is_crawled():
    """A GET page of the matrix that nobody may open would be a page this crawl never sees."""
    crawled = {case.values[0] for case in PAGE_CASES}
    pages = {name for name, rules in RULES.items() if any(rule.method == "GET" for rule in rules)}
    assert pages - crawled == set()


@pytest.mark.parametrize(("name", "rule", "role"), PAGE_CASES)
def test_page_shows_user_data_as_text(client, request, payload_scene, name: str, rule: Rule, role: str):
    scene = payload_scene(sign_in(client, request, role))
    url = reverse(name, kwargs=rule.kwargs(scene))
    response = client.get(url)
    assert response.status_code == 200, f"{role} GET {url}: {response.status_code}"
    assert_escaped(response, f"{role} GET {url}")


@pytest.mark.parametrize(("name", "rule", "role"), [case for case in PAGE_CASES if case.values[2] == SUPERUSER])
def test_query_string_is_not_echoed_as_markup(client, request, payload_scene, name: str, rule: Rule, role: str):
    """Filters, search boxes and pagination links echo what is in the address; a link can carry a payload."""
    scene = payload_scene(sign_in(client, request, role))
    params = ("q", "status", "sort", "page", "tahun", "jenis", "instansi", "year", "hadir", "next")
    url = f"{reverse(name, kwargs=rule.kwargs(scene))}?{urlencode(dict.fromkeys(params, ALL))}"
    response = client.get(url, follow=True)
    assert response.status_code < 500, f"{role} GET {url}: {response.status_code}"
    assert_escaped(response, f"{role} GET {url}")


# What a form sends back, and the messages after an action -------------------------------------------------------


def test_proposal_form_sent_back_shows_what_was_typed_as_text(client, request, payload_scene, banjar, pupr_banjar):
    payload_scene(sign_in(client, request, OPERATOR_BANJAR))
    data = proposal_form_data(
        region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", ALL)], **texts(SCRIPT), volume=ALL
    )
    data.update(district=ALL, sub_activity=ALL, forward_amount=IMG)
    response = client.post(reverse("programs:proposal-create"), data)
    assert response.status_code == 200  # refused, shown again with what was typed
    assert response.context["form"].errors
    assert_escaped(response, "the proposal form sent back")


def test_saved_proposal_and_its_message_show_the_text(client, request, payload_scene, banjar, pupr_banjar):
    payload_scene(sign_in(client, request, OPERATOR_BANJAR))
    data = proposal_form_data(region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "1500000000")], **texts(IMG))
    response = client.post(reverse("programs:proposal-create"), data, follow=True)
    assert response.redirect_chain, response.context["form"].errors
    assert escape(IMG) in response.content.decode()
    assert_escaped(response, "the new proposal's page")


def test_meeting_forms_and_messages_show_the_text(client, request, payload_scene, pupr_kalsel):
    scene = payload_scene(sign_in(client, request, SECRETARY))
    meeting = {
        "kind": Meeting.Kind.RAKORTEK,
        "title": f"Rakortek {ALL}",
        "organiser": str(pupr_kalsel.pk),
        "starts_at": "2026-02-12T09:00",
        "ends_at": "2026-02-12T08:00",  # before it starts: the form comes back
        "venue": f"Aula {ALL}",
        "city": f"Banjarmasin {ALL}",
        "fiscal_year": "2027",
        "purpose": ALL,
    }
    response = client.post(reverse("meetings:meeting-create"), meeting)
    assert response.status_code == 200
    assert_escaped(response, "the meeting form sent back")
    response = client.post(reverse("meetings:meeting-create"), {**meeting, "ends_at": "2026-02-12T16:00"}, follow=True)
    assert response.redirect_chain
    assert_escaped(response, "the new meeting with its message")

    attendance = {"name": f"Dra. Siti {ALL}", "position": ALL, "capacity": "participant", "represents": IMG}
    response = client.post(reverse("meetings:attendance-add", args=[scene.meeting.pk]), attendance, follow=True)
    assert escape(f"Dra. Siti {ALL}") in response.content.decode()  # the message names who was added
    assert_escaped(response, "the attendance list with its message")
    response = client.post(
        reverse("meetings:attendance-add", args=[scene.meeting.pk]), {**attendance, "capacity": ALL}, follow=True
    )
    assert_escaped(response, "the refused attendance line's message")


def test_decision_form_sent_back_shows_what_was_typed_as_text(client, request, payload_scene):
    scene = payload_scene(sign_in(client, request, SECRETARY))
    url = reverse("meetings:decision-record", args=[scene.meeting.pk, scene.agenda_item.proposal_id])
    data = {
        "outcome": Decision.Outcome.MERGED,
        "merged_into_number": ALL,  # no such proposal: the error quotes it
        "reason": ALL,
        "agreed_volume": IMG,
        f"amount_{FundingScheme.objects.get().code}": SCRIPT,
        "version": str(scene.agenda_item.proposal.version),
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert_escaped(response, "the decision form sent back")


def test_return_note_shows_as_text(client, request, payload_scene):
    scene = payload_scene(sign_in(client, request, VERIFIER))
    url = reverse("programs:proposal-return", args=[scene.submitted.pk])
    response = client.post(url, {"note": f"Perbaiki {ALL}"}, follow=True)
    assert response.redirect_chain
    response = client.get(reverse("programs:proposal-detail", args=[scene.submitted.pk]))
    assert escape(f"Perbaiki {ALL}") in response.content.decode()
    assert_escaped(response, "the returned proposal's page")


def test_import_preview_shows_the_cells_as_text(client, request, payload_scene, pupr_banjar):
    """The Excel "Satuan", names and notes in the preview, and the errors that quote a bad cell."""
    payload_scene(sign_in(client, request, OPERATOR_BANJAR))
    good = {
        "Tahun Anggaran": 2027,
        "Kode Kabupaten/Kota": "63.03",
        "Perangkat Daerah Pengusul": pupr_banjar.short_name,
        "Kode Sub Kegiatan": SUB_ACTIVITY,
        "Nama Usulan": f"Jalan {ALL}",
        "Lokasi": f"Ruas {ALL}",
        "Volume": 2.5,
        "Satuan": SCRIPT,
        "Pagu APBD Kab/Kota": 1_500_000_000,
    }
    bad = {**good, "Kode Kabupaten/Kota": SCRIPT, "Kode Sub Kegiatan": IMG, "Volume": ALL, "Satuan": IMG}
    for rows in ([good], [good, bad]):
        upload = SimpleUploadedFile(f"{SCRIPT}.xlsx", usulan_xlsx(rows))
        # The upload queues the file's check; its page (the redirect's end) is the preview.
        response = client.post(reverse("programs:proposal-import"), {"file": upload}, follow=True)
        assert response.status_code == 200
        assert_escaped(response, f"the import preview of {len(rows)} row(s)")


# The decision form, where the bug was ------------------------------------------------------------------------------


def test_decision_form_shows_the_proposal_unit_as_text(client, secretary, pupr_kalsel, banjar, pupr_banjar):
    """An operator's unit is printed in the help text of the agreed volume, which crispy prints as HTML."""
    meeting = MeetingFactory(organiser=pupr_kalsel, fiscal_year=2027)
    for unit in PAYLOADS:
        proposal = verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1_500_000_000}, unit=unit, volume="2.5")
        AgendaItem.objects.create(meeting=meeting, proposal=proposal)
        client.force_login(secretary)
        response = client.get(reverse("meetings:decision-record", args=[meeting.pk, proposal.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert f"Usulan: 2,5 {escape(unit)}</div>" in page
        assert unit not in page


def test_crispy_forms_print_help_texts_as_text():
    """crispy-bootstrap5 prints help texts with `|safe`; the project's copy of its template escapes them, so a help
    text built from data is safe even where the form forgot to escape it."""

    class Form(forms.Form):
        unit = forms.CharField(help_text=f"Usulan: 2,50 {ALL}")

    html = render_crispy_form(Form())
    assert escape(f"Usulan: 2,50 {ALL}") in html
    assert markup_found(html) == []


# The Django admin ---------------------------------------------------------------------------------------------------

ADMIN_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in {*PROJECT_APPS, "auth"}),
    key=lambda model: model._meta.label,
)
STAFF = "staff"  # the Banjar operator as a staff member who may view every model of the project


@pytest.fixture
def staff(operator_banjar):
    permissions = Permission.objects.filter(content_type__app_label__in=PROJECT_APPS, codename__startswith="view_")
    operator_banjar.user_permissions.add(*permissions)
    operator_banjar.is_staff = True
    operator_banjar.save()
    return type(operator_banjar).objects.get(pk=operator_banjar.pk)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def admin_cases() -> Iterator:
    for model in ADMIN_MODELS:
        yield pytest.param(model, SUPERUSER, id=f"{model._meta.label_lower}-{SUPERUSER}")
        if not isinstance(admin.site._registry[model], SuperuserOnlyAdminMixin):
            yield pytest.param(model, STAFF, id=f"{model._meta.label_lower}-{STAFF}")


PER_ROW = ("change", "history", "delete")


@pytest.mark.parametrize(("model", "role"), list(admin_cases()))
def test_admin_pages_show_user_data_as_text(client, request, payload_scene, model, role: str):
    """The changelist (with a search), and the change, history and delete pages of every row it lists."""
    payload_scene(sign_in(client, request, role))
    changelist = admin_url(model, "changelist")
    response = client.get(changelist)
    assert response.status_code == 200, f"{role} GET {changelist}: {response.status_code}"
    assert_escaped(response, f"{role} GET {changelist}")
    rows = list(response.context["cl"].result_list)
    assert rows, f"{role} sees no {model._meta.verbose_name_plural} at {changelist}"
    searched = f"{changelist}?{urlencode({'q': ALL})}"
    assert_escaped(client.get(searched), f"{role} GET {searched}")
    for url in [admin_url(model, "add"), *(admin_url(model, view, row.pk) for row in rows for view in PER_ROW)]:
        response = client.get(url, follow=True)
        assert response.status_code in (200, 403), f"{role} GET {url}: {response.status_code}"
        assert_escaped(response, f"{role} GET {url}")
    for row in rows:  # a row the changelist lists can always be opened
        url = admin_url(model, "change", row.pk)
        assert client.get(url).status_code == 200, f"{role} GET {url}"


@pytest.mark.parametrize("role", [SUPERUSER, STAFF])
def test_admin_index_pages_show_user_data_as_text(client, request, payload_scene, role: str):
    payload_scene(sign_in(client, request, role))
    urls = [reverse("admin:index")] + [reverse("admin:app_list", args=[label]) for label in PROJECT_APPS]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, f"{role} GET {url}"
        assert_escaped(response, f"{role} GET {url}")


def test_admin_audit_trail_shows_changes_as_text(client, superuser, banjar, pupr_banjar):
    """The changes an entry records (old -> new) are table cells built with format_html: shown as text."""
    proposal = funded_proposal(region=banjar, agency=pupr_banjar, **texts(SCRIPT))
    ProposalFundingFactory(proposal=proposal, scheme=FundingSchemeFactory(code="DAK_FISIK"))
    entry = audit_log(
        user=superuser,
        obj=proposal,
        action=AuditEntry.Action.CHANGED,
        changes={"unit": ["km", SCRIPT], "name": [IMG, "Jalan"]},
        note=ALL,
    )
    client.force_login(superuser)
    changelist = client.get(admin_url(AuditEntry, "changelist")).content.decode()
    assert f"<div><strong>satuan</strong>: km → {escape(SCRIPT)}</div>" in changelist
    assert f"<div><strong>nama usulan</strong>: {escape(IMG)} → Jalan</div>" in changelist
    change = client.get(admin_url(AuditEntry, "change", entry.pk)).content.decode()
    assert f"<tr><td>satuan</td><td>km</td><td>{escape(SCRIPT)}</td></tr>" in change
    assert escape(ALL) in change  # the note
    assert markup_found(changelist) == markup_found(change) == []


def test_the_check_finds_a_payload_printed_as_markup():
    """The crawl is only as good as this check: raw payloads, and attributes a browser would run, are found."""
    assert markup_found(f"<p>{escape(ALL)}</p>") == []
    assert markup_found(f"<div data-x={escape(IMG)}>") != []  # escaped, but unquoted: a real onerror attribute
    assert markup_found(f"<p>{SCRIPT}</p>") != []
    assert markup_found(f'<input value="{IMG}">') != []
    assert markup_found(f'<script type="application/json">"{escape(SCRIPT)}"</script>') == []
    # In an event handler the browser decodes the attribute first: escaping for HTML is not enough there.
    assert markup_found(f"<form onsubmit=\"return confirm('{escape(JS)}')\">") != []
    assert markup_found(f"<form onsubmit=\"return confirm('{escapejs(ALL)}')\">") == []
