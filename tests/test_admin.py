"""The Django admin: every ModelAdmin renders, and non-superuser staff see only their own kabupaten/kota."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import DecimalField
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency, Region, StaffRole
from meetings.models import (
    AgendaItem,
    Attendance,
    Decision,
    DecisionFunding,
    Desk,
    DeskIndicatorAgreement,
    Meeting,
    MeetingBasis,
    MeetingDecisionSummary,
)
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
    ProposalFunding,
    ProposalNumberCounter,
    ProposalSummary,
    ReadinessCriterion,
    WorkPlan,
    WorkPlanItem,
    WorkPlanItemFunding,
)
from rakornis.admin_scope import ReadOnlyAdminMixin
from rakornis.audit import audit_log
from rakornis.models import AuditEntry
from rakornis.numbers import NumberField
from tests.admin_support import admin_url, form_data, grant
from tests.factories import (
    AttendanceFactory,
    DecisionFactory,
    FundingSchemeFactory,
    MeetingFactory,
    ProposalFactory,
    ProposalFundingFactory,
    district,
    sub_activity,
)

pytestmark = pytest.mark.django_db

# The project's admins and auth's; third-party apps (django_tasks_db's task results) test their own.
REGISTERED = sorted(
    (
        model
        for model in admin.site._registry
        if model._meta.app_label in {"agencies", "programs", "meetings", "rakornis", "auth"}
    ),
    key=lambda model: model._meta.label,
)
REQUIRED = [
    Region,
    Agency,
    StaffRole,
    Nomenclature,
    FundingScheme,
    Proposal,
    ProposalFunding,
    WorkPlan,
    WorkPlanItem,
    WorkPlanItemFunding,
    Indicator,
    IndicatorTarget,
    Meeting,
    Desk,
    Attendance,
    Decision,
    DecisionFunding,
    AuditEntry,
]
BANJAR_NUMBER = "USL-2027-63.03-0001"
TAPIN_NUMBER = "USL-2027-63.05-0001"


@dataclass
class World:
    banjar_proposal: Proposal
    tapin_proposal: Proposal
    meeting: Meeting
    work_plan: WorkPlan
    banjar_decision: Decision
    tapin_decision: Decision


@pytest.fixture
def world(banjar, tapin, pupr_banjar, pupr_tapin, pupr_kalsel, operator_banjar, operator_tapin, superuser) -> World:
    """One row (at least) of every registered model, in Banjar and in Tapin."""
    scheme = FundingSchemeFactory(code="APBD_KAB", name="APBD Kabupaten/Kota", short_name="APBD Kab")
    dak = FundingSchemeFactory(code="DAK_FISIK", name="DAK Fisik", short_name="DAK Fisik", budget="APBD (transfer)")
    road = sub_activity("1.03.10.2.01.0053", "Pembangunan Jalan")
    sector = Nomenclature.objects.get(code="1.03")
    banjar_proposal = ProposalFactory(
        number=BANJAR_NUMBER, region=banjar, district=district("63.03.01"), agency=pupr_banjar, name="Jalan Martapura"
    )
    tapin_proposal = ProposalFactory(number=TAPIN_NUMBER, region=tapin, agency=pupr_tapin, name="Jalan Rantau Baru")
    ProposalFundingFactory(proposal=banjar_proposal, scheme=scheme, amount=Decimal("1500000000"))
    ProposalFundingFactory(proposal=tapin_proposal, scheme=scheme, amount=Decimal("700000000"))
    ProposalNumberCounter.objects.create(fiscal_year=2027, region=banjar, last_number=1)
    ProposalNumberCounter.objects.create(fiscal_year=2027, region=tapin, last_number=1)

    meeting = MeetingFactory(
        organiser=pupr_kalsel,
        title="Rakornis Dinas PUPR Kalsel 2026",
        starts_at=datetime(2026, 1, 29, 1, 0, tzinfo=UTC),
        ends_at=datetime(2026, 1, 29, 8, 0, tzinfo=UTC),
        venue="Anjungan Kalsel, TMII",
    )
    MeetingFactory(
        organiser=pupr_kalsel,
        kind=Meeting.Kind.RAKORTEK,
        title="Rakortek Perumahan dan Kawasan Permukiman 2026",
        starts_at=datetime(2026, 2, 12, 1, 0, tzinfo=UTC),
        ends_at=datetime(2026, 2, 12, 7, 0, tzinfo=UTC),
        venue="Banjarmasin",
    )
    desk = Desk.objects.create(meeting=meeting, name="Desk Jalan dan Jembatan", sector=sector)
    AttendanceFactory(meeting=meeting, name="Ir. Ahmad Solhan", agency=pupr_kalsel, desk=desk, position="Kepala Dinas")
    AttendanceFactory(meeting=meeting, name="Rahmadi", agency=pupr_banjar, represents="Kepala Dinas PUPR Kab. Banjar")
    Desk.objects.create(meeting=meeting, name="Desk Sumber Daya Air")
    AgendaItem.objects.create(meeting=meeting, proposal=banjar_proposal)
    AgendaItem.objects.create(meeting=meeting, proposal=tapin_proposal)
    banjar_decision = DecisionFactory(meeting=meeting, proposal=banjar_proposal, desk=desk)
    tapin_decision = DecisionFactory(meeting=meeting, proposal=tapin_proposal)
    DecisionFunding.objects.create(decision=banjar_decision, scheme=scheme, amount=Decimal("1250000000"))
    DecisionFunding.objects.create(decision=tapin_decision, scheme=scheme, amount=Decimal("600000000"))

    work_plan = WorkPlan.objects.create(agency=pupr_banjar, fiscal_year=2027)
    item = WorkPlanItem.objects.create(work_plan=work_plan, sub_activity=road, region=banjar, target="2,5 km")
    item.source_proposals.add(banjar_proposal)
    WorkPlanItemFunding.objects.create(item=item, scheme=scheme, amount=Decimal("1250000000"))
    tapin_plan = WorkPlan.objects.create(agency=pupr_tapin, fiscal_year=2027)
    tapin_item = WorkPlanItem.objects.create(work_plan=tapin_plan, sub_activity=road, region=tapin, target="1 km")
    WorkPlanItemFunding.objects.create(item=tapin_item, scheme=dak, amount=Decimal("500000000"))

    indicator = Indicator.objects.create(code="IK-JLN-01", name="Jalan dalam kondisi mantap", unit="%", sector=sector)
    IndicatorTarget.objects.create(indicator=indicator, region=banjar, year=2027, target=Decimal("80"))
    Indicator.objects.create(code="IK-PKP-01", name="Rumah tidak layak huni yang ditangani", unit="unit")
    IndicatorTarget.objects.create(indicator=indicator, region=tapin, year=2027, target=Decimal("75"))
    # Where the figures come from, the regions' denominators and the sub kegiatan that contribute.
    # Sources are reference data, seen by every staff member: named without a kabupaten/kota.
    for region, value, number in ((banjar, "120", "050/12/2026"), (tapin, "85", "050/7/2026")):
        source = IndicatorSource.objects.create(
            document="SK Status Jalan Kabupaten", number=number, date=datetime(2026, 1, 5).date()
        )
        IndicatorDenominator.objects.create(
            indicator=indicator, region=region, value=Decimal(value), label="panjang jalan (km)", source=source
        )
    IndicatorSubActivity.objects.create(indicator=indicator, sub_activity=road)
    IndicatorSubActivity.objects.create(
        indicator=indicator, sub_activity=sub_activity("1.03.10.2.01.0054", "Rekonstruksi Jalan")
    )

    # A document and a readiness check of each proposal (the criteria come from the data migration).
    criterion = ReadinessCriterion.objects.order_by("order")[0]
    for proposal in (banjar_proposal, tapin_proposal):
        ProposalDocument.objects.create(
            proposal=proposal,
            kind=ProposalDocument.Kind.DED,
            file=f"documents/{proposal.pk}/uji.pdf",
            original_name="DED Jalan.pdf",
            content_type="application/pdf",
            size=1024,
            uploaded_by=superuser,
        )
        check = ProposalCheck.objects.create(
            proposal=proposal,
            outcome=ProposalCheck.Outcome.RETURNED,
            note="Lengkapi DED.",
            checked_at=meeting.starts_at,
        )
        ProposalCheckItem.objects.create(proposal_check=check, criterion=criterion, met=False)
    # Each kabupaten's thread and its operator's notification, the bases of the meeting and what its road desk
    # agreed, two users' preferences (the summary rows come with the proposals: the factories rebuild them).
    for proposal, operator in ((banjar_proposal, operator_banjar), (tapin_proposal, operator_tapin)):
        ProposalComment.objects.create(proposal=proposal, author=superuser, text="Mohon lengkapi DED.")
        Notification.objects.create(
            recipient=operator,
            kind=Notification.Kind.COMMENTED,
            proposal=proposal,
            actor=superuser,
            text=f"Komentar baru pada {proposal.number}",
        )
        NotificationPreference.objects.create(user=operator, kind=Notification.Kind.COMMENTED, email=False)
    MeetingBasis.objects.create(meeting=meeting, order=1, text="RPJMD Provinsi Kalimantan Selatan 2025-2029")
    MeetingBasis.objects.create(meeting=meeting, order=2, text="Tema RKPD 2027")
    for code in ("1.03.10.2.01.0053", "1.03.10.2.01.0054"):
        DeskIndicatorAgreement.objects.create(
            desk=desk, indicator=indicator, sub_activity=Nomenclature.objects.get(code=code), agreed_by=superuser
        )
    Group.objects.create(name="Operator kab/kota")
    Group.objects.create(name="Verifikator provinsi")
    StaffRole.objects.create(user=superuser, agency=pupr_kalsel, role=StaffRole.Role.PLANNER)
    audit_log(
        user=superuser,
        obj=banjar_proposal,
        action=AuditEntry.Action.CHANGED,
        changes={
            "volume": ["2", "2.5"],
            "name": ["Jalan Lama", "Jalan Martapura"],
            "status": ["draft", "submitted"],
            "forward_amount": [None, "1.5E+9"],
            "funding": [{"APBD_KAB": "1000000"}, {"APBD_KAB": "2000000"}],
        },
    )
    audit_log(user=operator_tapin, obj=tapin_proposal, action=AuditEntry.Action.SUBMITTED)
    for owner in (operator_banjar, operator_tapin):
        ExcelJob.objects.create(kind=ExcelJob.Kind.PROPOSAL_EXPORT, user=owner, rows_total=8000)
    # Two decrees: the later one retired 0009 and says 0053 continues it (load_reference_data writes these).
    earlier = NomenclatureDecree.objects.create(number="Kepmendagri 050-5889/2021", date=datetime(2021, 10, 28).date())
    decree = NomenclatureDecree.objects.create(
        number="Kepmendagri 900.1.15.5-1317/2023", date=datetime(2023, 2, 27).date()
    )
    retired = sub_activity("1.03.10.2.01.0009", "Rehabilitasi Jalan Lama")
    Nomenclature.objects.filter(pk=retired.pk).update(is_active=False, decree=earlier, retired_by=decree)
    NomenclatureMapping.objects.create(old=retired, new=road, decree=decree)
    NomenclatureMapping.objects.create(old=sub_activity("1.03.10.2.01.0008", "Jalan Lama"), new=road, decree=earlier)
    return World(banjar_proposal, tapin_proposal, meeting, work_plan, banjar_decision, tapin_decision)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every test logs in two or three users; the real hasher would spend most of the run hashing their passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def banjar_staff(client, operator_banjar):
    """The Banjar operator as admin staff: proposals, meetings, regions, agencies and the audit trail."""
    user = grant(
        operator_banjar,
        "programs.view_proposal",
        "programs.change_proposal",
        "programs.add_proposal",
        "programs.view_proposalfunding",
        "programs.add_proposalfunding",
        "programs.view_nomenclature",
        "programs.view_fundingscheme",
        "programs.view_indicatortarget",
        "agencies.view_region",
        "agencies.view_agency",
        "meetings.view_meeting",
        "meetings.view_decision",
        "meetings.view_agendaitem",
        "rakornis.view_auditentry",
    )
    client.force_login(user)
    return client


# --- Registration -------------------------------------------------------------------------------------------------


def test_every_model_of_the_project_has_an_admin():
    project_models = [
        model
        for label in ("agencies", "programs", "meetings", "rakornis")
        for model in apps.get_app_config(label).get_models()
    ]
    missing = [model._meta.label for model in [*REQUIRED, *project_models] if model not in admin.site._registry]
    assert missing == []


def test_every_foreign_key_in_an_editable_form_uses_autocomplete_or_a_short_list():
    """A select of 7,000 kecamatan or 30,000 proposals is not usable; autocomplete is."""
    short_lists = {Desk}  # limited to the desks of the row's own meeting
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("agencies", "programs", "meetings"):
            continue
        if isinstance(model_admin, ReadOnlyAdminMixin):  # no form to fill in
            continue
        readonly = set(model_admin.readonly_fields)
        for field in model._meta.get_fields():
            if not (field.many_to_one or field.many_to_many) or not field.concrete or not field.editable:
                continue
            if field.name in readonly or field.related_model in short_lists:
                continue
            assert field.name in model_admin.autocomplete_fields, f"{model._meta.label}.{field.name}"


def test_no_admin_form_asks_for_a_decimal_in_a_browser_number_box(rf, superuser):
    """`1,8` in a browser's number box is 18 or nothing, by the browser's language: every decimal column of every
    admin form and inline is a `rakornis.numbers` text box."""
    request = rf.get("/admin/")
    request.user = superuser
    found = []
    for model_admin in admin.site._registry.values():
        forms_ = [model_admin.get_form(request, None)]
        forms_ += [inline.get_formset(request, None).form for inline in model_admin.get_inline_instances(request)]
        for form in forms_:
            for name, field in form.base_fields.items():
                db_field = next((f for f in form._meta.model._meta.concrete_fields if f.name == name), None)
                if isinstance(db_field, DecimalField):
                    found.append(f"{form._meta.model._meta.label}.{name}")
                    assert isinstance(field, NumberField), found[-1]
                    assert field.widget.input_type == "text", found[-1]
    assert {"programs.Proposal.volume", "programs.ProposalFunding.amount", "programs.IndicatorTarget.target"} <= set(
        found
    )


def test_an_indicator_target_typed_with_a_decimal_comma_is_stored_as_meant(admin_client, world):
    target = IndicatorTarget.objects.get(region__code="63.03")
    url = admin_url(IndicatorTarget, "change", target.pk)
    data = form_data(admin_client.get(url)) | {"baseline": "35,09", "target": "1.234,5678", "realisation": ""}
    assert admin_client.post(url, data).status_code == 302
    target.refresh_from_db()
    assert (target.baseline, target.target, target.realisation) == (Decimal("35.09"), Decimal("1234.5678"), None)
    response = admin_client.post(url, data | {"target": "1,23456"})
    assert response.status_code == 200
    # Five places: more than the column keeps, said by the column's own validator.
    assert response.context["adminform"].form.errors["target"] == [
        "Pastikan bilangan tidak memiliki lebih dari 4 angka desimal."
    ]


# --- Every ModelAdmin renders for a superuser ---------------------------------------------------------------------


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_changelist_renders_with_rows(admin_client, world, model):
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_changelist_search_and_sort_by_every_column_render(admin_client, world, model):
    model_admin = admin.site._registry[model]
    url = admin_url(model, "changelist")
    assert admin_client.get(url, {"q": "Jalan 63.03 ’%_"}).status_code == 200
    for index in range(len(model_admin.get_list_display(None))):
        assert admin_client.get(url, {"o": str(index)}).status_code == 200, f"column {index}"


# Written elsewhere only: the audit trail by every change, decisions and agenda items by the meeting's services
# (which also move the proposal's status), a proposal's funding lines with their proposal by its services.
# Rows that services write (decisions, agenda, audit, Renja lines from the sync) are not added by hand.
NO_ADD = {
    ProposalNumberCounter,
    NomenclatureDecree,
    NomenclatureMapping,
    AuditEntry,
    Decision,
    DecisionFunding,
    AgendaItem,
    ProposalFunding,
    WorkPlanItem,
    WorkPlanItemFunding,
    ExcelJob,
    # Attached on the proposal's page, recorded by the verification page.
    ProposalDocument,
    ProposalCheck,
    ProposalCheckItem,
    # Derived by the summaries, written on the proposal's and the desk's pages, by the notifier, by their owner.
    ProposalSummary,
    MeetingDecisionSummary,
    ProposalComment,
    Notification,
    NotificationPreference,
    DeskIndicatorAgreement,
    MeetingBasis,
}


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_add_page_renders_where_adding_is_allowed(admin_client, world, model):
    response = admin_client.get(admin_url(model, "add"))
    assert response.status_code == (403 if model in NO_ADD else 200)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_change_page_renders(admin_client, world, model):
    obj = model._default_manager.order_by("pk").first()
    response = admin_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200


def test_proposal_changelist_shows_number_region_agency_status_and_total_in_rupiah(admin_client, world):
    response = admin_client.get(admin_url(Proposal, "changelist"))
    text = response.text
    for expected in (BANJAR_NUMBER, "Jalan Martapura", "Kabupaten Banjar", "Dinas PUPR Kab. Banjar", "Draf"):
        assert expected in text
    assert "Rp 1.500.000.000" in text
    assert "Rp 700.000.000" in text


def test_proposal_change_page_shows_its_funding_lines(admin_client, world):
    response = admin_client.get(admin_url(Proposal, "change", world.banjar_proposal.pk))
    assert response.status_code == 200
    (funding,) = [
        inline for inline in response.context["inline_admin_formsets"] if inline.opts.model is ProposalFunding
    ]
    assert [form.instance.amount for form in funding.formset.initial_forms] == [Decimal("1500000000")]
    assert "Rp 1.500.000.000" in response.text  # the read-only total


def test_meeting_change_page_shows_desks_attendance_and_decisions(admin_client, world):
    response = admin_client.get(admin_url(Meeting, "change", world.meeting.pk))
    assert response.status_code == 200
    inlines = {inline.opts.model: inline.formset for inline in response.context["inline_admin_formsets"]}
    assert set(inlines) == {Desk, Attendance, Decision}
    assert [form.instance.name for form in inlines[Attendance].initial_forms] == ["Ir. Ahmad Solhan", "Rahmadi"]
    assert len(inlines[Decision].initial_forms) == 2
    desk = Desk.objects.get(name="Desk Jalan dan Jembatan")
    assert f'<option value="{desk.pk}" selected>Desk Jalan dan Jembatan</option>' in response.text
    assert "Rp 1.250.000.000" in response.text  # the agreed total of Banjar's decision


def test_meeting_change_page_costs_the_same_with_more_decisions(admin_client, world):
    url = admin_url(Meeting, "change", world.meeting.pk)
    admin_client.get(url)
    with CaptureQueriesContext(connection) as before:
        admin_client.get(url)
    for _ in range(5):
        decision = DecisionFactory(meeting=world.meeting)
        DecisionFunding.objects.create(decision=decision, scheme=FundingScheme.objects.first(), amount=1)
    with CaptureQueriesContext(connection) as after:
        response = admin_client.get(url)
    assert len(response.context["inline_admin_formsets"][2].formset.initial_forms) == 7
    assert len(after) == len(before)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_changelist_runs_no_statement_per_row(admin_client, world, model):
    """With two rows or more on the page, a query per row would show as the same statement run twice."""
    url = admin_url(model, "changelist")
    admin_client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert response.context["cl"].result_count >= 2
    # Values differ from row to row; the statement's shape does not. The admin counts twice on purpose
    # (filtered and full count), so counts are left out.
    shapes = Counter(re.sub(r"'[^']*'|\b\d+\b", "?", query["sql"]) for query in queries)
    assert {sql: n for sql, n in shapes.items() if n > 1 and "COUNT(" not in sql} == {}


@pytest.mark.parametrize(
    ("model", "make_row"),
    [
        (Proposal, lambda w, n: ProposalFundingFactory(proposal=ProposalFactory(region=w.banjar_proposal.region))),
        (Decision, lambda w, n: DecisionFactory(meeting=w.meeting)),
        (Meeting, lambda w, n: AttendanceFactory(meeting=MeetingFactory(organiser=w.meeting.organiser))),
        (AuditEntry, lambda w, n: audit_log(user=None, obj=w.tapin_proposal, action="changed", changes={"a": [n, 1]})),
        (
            ProposalFunding,
            lambda w, n: ProposalFundingFactory(proposal=ProposalFactory(region=w.tapin_proposal.region)),
        ),
    ],
    ids=["proposal", "decision", "meeting", "auditentry", "proposalfunding"],
)
def test_changelist_makes_no_query_per_row(admin_client, world, model, make_row):
    url = admin_url(model, "changelist")
    admin_client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as before:
        admin_client.get(url)
    for n in range(4):
        make_row(world, n)
    with CaptureQueriesContext(connection) as after:
        response = admin_client.get(url)
    assert response.context["cl"].result_count >= 5
    assert len(after) == len(before), [query["sql"] for query in after]


# --- Scoping for non-superuser staff ------------------------------------------------------------------------------


SUPERUSER_ONLY = {
    "auth.user",
    "auth.group",
    "agencies.staffrole",
    "programs.exceljob",
    "programs.notificationpreference",
}


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_staff_with_every_permission_gets_scoped_pages_and_no_error(client, operator_banjar, world, model):
    user = grant(operator_banjar)
    user.user_permissions.set(Permission.objects.all())
    client.force_login(user)
    label = model._meta.label_lower
    changelist = client.get(admin_url(model, "changelist"))
    assert changelist.status_code == (403 if label in SUPERUSER_ONLY else 200)
    add = client.get(admin_url(model, "add"))
    assert add.status_code == (403 if label in SUPERUSER_ONLY or model in NO_ADD else 200)
    if changelist.status_code == 200:
        assert "Tapin" not in changelist.text  # neither its proposals nor its region, agency or Renja
        for obj in changelist.context["cl"].result_list:
            assert client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_banjar_staff_sees_only_banjar_proposals(banjar_staff, world):
    response = banjar_staff.get(admin_url(Proposal, "changelist"))
    assert response.status_code == 200
    assert BANJAR_NUMBER in response.text
    assert TAPIN_NUMBER not in response.text
    assert "Jalan Rantau Baru" not in response.text
    assert "Kabupaten Tapin" not in response.text  # not even in the kab/kota filter


def test_banjar_staff_searching_for_tapin_finds_nothing(banjar_staff, world):
    response = banjar_staff.get(admin_url(Proposal, "changelist"), {"q": TAPIN_NUMBER})
    assert response.context["cl"].result_count == 0


def test_banjar_staff_cannot_open_a_tapin_proposal(banjar_staff, world):
    assert banjar_staff.get(admin_url(Proposal, "change", world.banjar_proposal.pk)).status_code == 200
    for view in ("change", "history", "delete"):
        response = banjar_staff.get(admin_url(Proposal, view, world.tapin_proposal.pk))
        assert response.status_code in (302, 403, 404), view
        assert "Jalan Rantau Baru" not in response.text


def autocomplete(client, model_name: str, field_name: str, term: str, app_label: str = "programs") -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [result["text"] for result in json.loads(response.content)["results"]]


def test_proposal_autocomplete_does_not_answer_with_tapin(banjar_staff, world):
    texts = autocomplete(banjar_staff, "proposal", "carried_over_from", "USL-2027")
    assert texts == [str(world.banjar_proposal)]


def test_region_and_agency_autocomplete_do_not_answer_with_tapin(banjar_staff, world):
    regions = autocomplete(banjar_staff, "proposal", "region", "Kabupaten")
    assert regions == ["63.03 Kabupaten Banjar"]
    agencies = autocomplete(banjar_staff, "proposal", "agency", "Dinas")
    assert "Dinas PUPR Kab. Banjar" in agencies
    assert "Dinas PUPR Prov. Kalsel" in agencies  # the province they work with
    assert "Dinas PUPR Kab. Tapin" not in agencies


def test_superuser_autocomplete_answers_with_every_kabupaten(admin_client, world):
    assert len(autocomplete(admin_client, "proposal", "carried_over_from", "USL-2027")) == 2


def test_banjar_staff_cannot_file_a_proposal_for_tapin_by_forging_the_form(banjar_staff, world, tapin, pupr_tapin):
    data = {
        "fiscal_year": "2027",
        "priority": "2",
        "origin": Proposal.Origin.MUSRENBANG,
        "region": str(tapin.pk),
        "agency": str(pupr_tapin.pk),
        "sub_activity": str(Nomenclature.objects.get(code="1.03.10.2.01.0053").pk),
        "name": "Usulan palsu",
        "volume": "1",
        "unit": "km",
        "funding_lines-TOTAL_FORMS": "0",
        "funding_lines-INITIAL_FORMS": "0",
    }
    response = banjar_staff.post(admin_url(Proposal, "add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"region", "agency"}
    assert not Proposal.objects.filter(name="Usulan palsu").exists()


def test_banjar_staff_cannot_set_a_status_by_hand(banjar_staff, world):
    url = admin_url(Proposal, "change", world.banjar_proposal.pk)
    data = form_data(banjar_staff.get(url)) | {"status": Proposal.Status.AGREED}
    assert banjar_staff.post(url, data).status_code == 302
    assert Proposal.objects.get(pk=world.banjar_proposal.pk).status == Proposal.Status.DRAFT


def test_banjar_staff_sees_the_provincial_meeting_with_only_banjar_decisions(banjar_staff, world):
    response = banjar_staff.get(admin_url(Meeting, "change", world.meeting.pk))
    assert response.status_code == 200
    assert BANJAR_NUMBER in response.text
    assert TAPIN_NUMBER not in response.text
    listing = banjar_staff.get(admin_url(Meeting, "changelist"))
    counts = {meeting.pk: meeting.decision_total for meeting in listing.context["cl"].result_list}
    assert counts[world.meeting.pk] == 1


@pytest.mark.parametrize("model", [Decision, AgendaItem, IndicatorTarget, AuditEntry])
def test_banjar_staff_lists_of_related_rows_leave_tapin_out(banjar_staff, world, model):
    response = banjar_staff.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    assert TAPIN_NUMBER not in response.text
    assert "Kabupaten Tapin" not in response.text
    assert "operator.tapin" not in response.text  # not even in the audit trail's user filter


def test_banjar_staff_sees_reference_data_in_full(banjar_staff, world):
    response = banjar_staff.get(admin_url(Nomenclature, "changelist"))
    assert response.context["cl"].result_count == Nomenclature.objects.count()


def test_staff_without_a_role_sees_no_proposal(client, world):
    from tests.factories import UserFactory

    client.force_login(grant(UserFactory(username="tanpa.peran"), "programs.view_proposal"))
    assert client.get(admin_url(Proposal, "changelist")).context["cl"].result_count == 0


def test_staff_cannot_manage_users_roles_or_groups_whatever_their_permissions(client, operator_banjar, world):
    user = grant(
        operator_banjar,
        "auth.view_user",
        "auth.change_user",
        "auth.add_user",
        "auth.change_group",
        "agencies.view_staffrole",
        "agencies.change_staffrole",
        "agencies.add_staffrole",
    )
    client.force_login(user)
    role = StaffRole.objects.get(user=user)
    for url in (
        admin_url(type(user), "changelist"),
        admin_url(type(user), "change", user.pk),
        admin_url(StaffRole, "change", role.pk),
        admin_url(StaffRole, "add"),
        admin_url(Group, "changelist"),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(admin_url(type(user), "change", user.pk), {"username": user.username, "is_superuser": "on"})
    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_superuser


def test_user_admin_shows_staff_roles_inline_for_superusers(admin_client, world, operator_banjar):
    response = admin_client.get(admin_url(type(operator_banjar), "change", operator_banjar.pk))
    assert response.status_code == 200
    (roles,) = [inline for inline in response.context["inline_admin_formsets"] if inline.opts.model is StaffRole]
    assert [form.instance.agency.short_name for form in roles.formset.initial_forms] == ["Dinas PUPR Kab. Banjar"]


def test_a_final_renja_is_read_only_for_staff(client, operator_banjar, world):
    WorkPlan.objects.filter(pk=world.work_plan.pk).update(
        status=WorkPlan.Status.FINAL, finalised_at=datetime.now(UTC) - timedelta(days=1)
    )
    client.force_login(grant(operator_banjar, "programs.view_workplan", "programs.change_workplan"))
    url = admin_url(WorkPlan, "change", world.work_plan.pk)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert client.post(url, {"fiscal_year": "2030"}).status_code == 403


def test_a_final_renja_is_read_only_for_superusers_too(admin_client, world):
    """Issue 7: a final Renja is the agency's adopted plan; superusers no longer edit it in the admin."""
    WorkPlan.objects.filter(pk=world.work_plan.pk).update(
        status=WorkPlan.Status.FINAL, finalised_at=datetime.now(UTC) - timedelta(days=1)
    )
    url = admin_url(WorkPlan, "change", world.work_plan.pk)
    response = admin_client.get(url)
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False
    assert "Renja ini sudah final" in response.text
    assert admin_client.post(url, {"fiscal_year": "2030", "agency": world.work_plan.agency_id}).status_code == 403
    assert WorkPlan.objects.get(pk=world.work_plan.pk).fiscal_year == 2027
    item = world.work_plan.items.get()
    assert admin_client.get(admin_url(WorkPlanItem, "change", item.pk)).context["has_change_permission"] is False


# --- The audit trail ----------------------------------------------------------------------------------------------


def test_audit_trail_has_no_add_button_and_rejects_an_add(admin_client, world):
    response = admin_client.get(admin_url(AuditEntry, "changelist"))
    assert response.status_code == 200
    assert admin_url(AuditEntry, "add") not in response.text
    count = AuditEntry.objects.count()
    response = admin_client.post(
        admin_url(AuditEntry, "add"), {"object_repr": "palsu", "action": "created", "object_id": "1"}
    )
    assert response.status_code == 403
    assert AuditEntry.objects.count() == count


def test_audit_entry_cannot_be_changed_or_deleted(admin_client, world):
    entry = AuditEntry.objects.first()
    response = admin_client.post(admin_url(AuditEntry, "change", entry.pk), {"object_repr": "diubah"})
    assert response.status_code == 403
    assert admin_client.post(admin_url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, object_repr=entry.object_repr).exists()


def test_audit_entry_shows_the_changes_old_to_new_with_field_labels(admin_client, world):
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CHANGED, object_id=str(world.banjar_proposal.pk))
    response = admin_client.get(admin_url(AuditEntry, "change", entry.pk))
    assert response.status_code == 200
    assert "<td>nama usulan</td><td>Jalan Lama</td><td>Jalan Martapura</td>" in response.text
    listing = admin_client.get(admin_url(AuditEntry, "changelist"))
    assert "<strong>volume</strong>: 2 → 2,5" in listing.text
    assert "<strong>status</strong>: Draf → Diajukan" in listing.text  # choices by their label
    assert "<strong>prakiraan maju pagu</strong>: — → 1.500.000.000" in listing.text
    assert "<strong>pendanaan</strong>: APBD_KAB: 1.000.000 → APBD_KAB: 2.000.000" in listing.text


def test_audit_trail_filters_render(admin_client, world, superuser):
    url = admin_url(AuditEntry, "changelist")
    assert "operator.tapin" in admin_client.get(url).text  # the user filter, for a superuser
    proposal_kind = ContentType.objects.get_for_model(Proposal).pk
    today = AuditEntry.objects.first().at.date()
    for params in (
        {"action": "changed"},
        {"oleh": superuser.pk},
        {"jenis": proposal_kind},
        {"at__gte": f"{today:%Y-%m-%d} 00:00:00+08:00"},
    ):
        response = admin_client.get(url, params)
        assert response.status_code == 200, params
        assert response.context["cl"].result_count >= 1, params
