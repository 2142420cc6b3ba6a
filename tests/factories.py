"""factory_boy factories for the registry. Reference rows (regions, schemes) are looked up or created by code."""

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import F
from factory.django import DjangoModelFactory

from agencies.models import Agency, Region, StaffRole
from meetings.models import AgendaItem, Attendance, Decision, DecisionFunding, Meeting
from meetings.summary import meeting_summary_rebuild
from programs.models import FundingScheme, Nomenclature, Proposal, ProposalFunding
from programs.summary import summary_rebuild


class ModelFactory[T](DjangoModelFactory[T]):
    """A Django model factory whose call is typed as the model it builds, as `.create()` already is."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # factory_boy builds through an untyped metaclass __call__, so mypy would type `RegionFactory()` as a
        # RegionFactory. Declared for the type checker only; mypy wants __new__ to return the class's own type.
        def __new__(cls, *args: Any, **kwargs: Any) -> T: ...  # type: ignore[misc]


class RegionFactory(ModelFactory[Region]):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "63"
    name = "Kalimantan Selatan"
    level = Region.Level.PROVINCE


def province(code: str = "63", name: str = "Kalimantan Selatan") -> Region:
    return RegionFactory(code=code, name=name, level=Region.Level.PROVINCE)


def regency(code: str = "63.03", name: str = "Kabupaten Banjar") -> Region:
    parent = province(code[:2], f"Provinsi {code[:2]}")
    return RegionFactory(code=code, name=name, level=Region.Level.REGENCY, kind=name.split()[0], parent=parent)


def district(code: str = "63.03.01", name: str = "Aluh-Aluh") -> Region:
    return RegionFactory(code=code, name=name, level=Region.Level.DISTRICT, parent=regency(code[:5]))


class AgencyFactory(ModelFactory[Agency]):
    class Meta:
        model = Agency
        django_get_or_create = ("short_name",)

    # The full name as regulations write it: "Dinas PUPR Kab. Banjar" -> "Dinas PUPR Kabupaten Banjar".
    name = factory.LazyAttribute(lambda o: o.short_name.replace("Kab.", "Kabupaten").replace("Prov.", "Provinsi"))
    short_name = factory.Sequence(lambda n: f"Dinas Uji {n}")
    level = Agency.Level.REGENCY
    region = factory.LazyFunction(regency)


class UserFactory(ModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "rakornis-demo")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffRoleFactory(ModelFactory[StaffRole]):
    class Meta:
        model = StaffRole

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = StaffRole.Role.OPERATOR


class FundingSchemeFactory(ModelFactory[FundingScheme]):
    class Meta:
        model = FundingScheme
        django_get_or_create = ("code",)

    code = "APBD_KAB"
    name = factory.LazyAttribute(lambda o: o.code.replace("_", " "))
    short_name = factory.LazyAttribute(lambda o: o.code)
    budget = FundingScheme.Budget.APBD


def sub_activity(code: str = "1.03.10.2.01.0053", name: str = "Pembangunan Jalan") -> Nomenclature:
    """A sub kegiatan with its ancestors, created as needed."""
    parent: Nomenclature | None = None
    parts = code.split(".")
    for depth in (1, 2, 3, 5, 6):
        node_code = ".".join(parts[:depth])
        level = Nomenclature.level_for_code(node_code)
        assert level is not None, f"malformed nomenclature code {node_code!r}"
        parent, _ = Nomenclature.objects.get_or_create(
            code=node_code,
            defaults={
                "level": level,
                "name": name if depth == 6 else f"Nomenklatur {node_code}",
                "parent": parent,
                "government_level": Nomenclature.government_level_for_code(node_code),
            },
        )
    assert parent is not None
    return parent


class SummarisedFactory:
    """Rows the proposal summary and the meetings' decision summary add up (proposals, their lines, decisions and
    theirs), written here around the services: both summaries are rebuilt after each, as the services keep them. A
    test that changes such rows with `.update()` calls `programs.summary.summary_rebuild()` (and
    `meetings.summary.meeting_summary_rebuild()`) itself."""

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        super()._after_postgeneration(instance, create, results)
        if create:
            summary_rebuild()
            meeting_summary_rebuild()


class ProposalFactory(SummarisedFactory, ModelFactory[Proposal]):
    class Meta:
        model = Proposal

    number = factory.Sequence(lambda n: f"USL-2027-63.03-{n + 1:04d}")
    fiscal_year = 2027
    region = factory.LazyFunction(regency)
    agency = factory.SubFactory(AgencyFactory, region=factory.SelfAttribute("..region"))
    sub_activity = factory.LazyFunction(sub_activity)
    name = factory.Sequence(lambda n: f"Pembangunan Jalan Ruas Uji {n}")
    volume = Decimal("2.50")
    unit = "km"


class ProposalFundingFactory(SummarisedFactory, ModelFactory[ProposalFunding]):
    class Meta:
        model = ProposalFunding

    proposal = factory.SubFactory(ProposalFactory)
    scheme = factory.SubFactory(FundingSchemeFactory)
    amount = Decimal("1500000000")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """A line added as the services add one: the proposal's stored total (`Proposal.total_amount`) follows."""
        line = super()._create(model_class, *args, **kwargs)
        Proposal.objects.filter(pk=line.proposal_id).update(total_amount=F("total_amount") + line.amount)
        line.proposal.total_amount += Decimal(line.amount)
        return line


class MeetingFactory(ModelFactory[Meeting]):
    class Meta:
        model = Meeting

    kind = Meeting.Kind.RAKORNIS
    title = factory.Sequence(lambda n: f"Rakornis Uji {n}")
    organiser = factory.SubFactory(AgencyFactory, level=Agency.Level.PROVINCIAL, region=factory.LazyFunction(province))
    starts_at = factory.Faker("date_time_this_year", tzinfo=__import__("datetime").UTC)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + __import__("datetime").timedelta(hours=6))
    venue = "Aula Dinas PUPR"
    fiscal_year = 2027


class AttendanceFactory(ModelFactory[Attendance]):
    class Meta:
        model = Attendance

    meeting = factory.SubFactory(MeetingFactory)
    name = factory.Faker("name", locale="id_ID")


class DecisionFactory(SummarisedFactory, ModelFactory[Decision]):
    class Meta:
        model = Decision

    meeting = factory.SubFactory(MeetingFactory)
    proposal = factory.SubFactory(ProposalFactory)
    outcome = Decision.Outcome.AGREED


class AgendaItemFactory(ModelFactory[AgendaItem]):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    proposal = factory.SubFactory(ProposalFactory, status=Proposal.Status.VERIFIED)


class DecisionFundingFactory(SummarisedFactory, ModelFactory[DecisionFunding]):
    class Meta:
        model = DecisionFunding

    decision = factory.SubFactory(DecisionFactory)
    scheme = factory.SubFactory(FundingSchemeFactory)
    amount = Decimal("1500000000")


def verified_proposal(region: Region, agency: Agency, funding: dict[str, int], **kwargs) -> Proposal:
    """A VERIFIED proposal with one funding line per `{scheme code: amount}`."""
    proposal = ProposalFactory(region=region, agency=agency, status=Proposal.Status.VERIFIED, **kwargs)
    for code, amount in funding.items():
        ProposalFundingFactory(proposal=proposal, scheme=FundingSchemeFactory(code=code), amount=Decimal(amount))
    return proposal


# Proposals with their workflow (programs tests) ---------------------------------------------------------------------


def village(code: str = "63.03.01.2001", name: str = "Desa Uji") -> Region:
    return RegionFactory(code=code, name=name, level=Region.Level.VILLAGE, parent=district(code[:8]))


def funded_proposal(*, amount: int = 1_500_000_000, scheme: str = "APBD_KAB", **kwargs) -> Proposal:
    """A proposal with one funding line (the minimum a proposal needs to be submitted)."""
    proposal = ProposalFactory(**kwargs)
    ProposalFundingFactory(proposal=proposal, scheme=FundingSchemeFactory(code=scheme), amount=Decimal(amount))
    return proposal


def proposal_form_data(*, region: Region, agency: Agency, funding: list[tuple[str, str]], **overrides) -> dict:
    """POST data of the proposal form: `funding` is a list of (scheme code, amount as typed)."""
    data = {
        "fiscal_year": "2027",
        "region": str(region.pk),
        "agency": str(agency.pk),
        "district": "",
        "village": "",
        "location": "Ruas Martapura - Astambul STA 0+000 s.d. 2+500",
        "latitude": "",
        "longitude": "",
        "sub_activity": str(sub_activity().pk),
        "out_of_catalogue_reason": "",
        "name": "Peningkatan Jalan Martapura - Astambul",
        "volume": "2.5",
        "unit": "km",
        "output_indicator": "Panjang jalan yang ditingkatkan",
        "priority": "1",
        "origin": "musrenbang",
        "forward_volume": "",
        "forward_amount": "",
        "notes": "",
        "funding-TOTAL_FORMS": str(len(funding)),
        "funding-INITIAL_FORMS": "0",
        "funding-MIN_NUM_FORMS": "1",
        "funding-MAX_NUM_FORMS": "1000",
    }
    for index, (code, amount) in enumerate(funding):
        data[f"funding-{index}-scheme"] = str(FundingSchemeFactory(code=code).pk)
        data[f"funding-{index}-amount"] = amount
    data.update(overrides)
    return data


# Agreed proposals for the Renja sync (tests/programs/test_renja_sync.py) ---------------------------------------------


def agreed_proposal(
    *,
    executing_agency: Agency,
    funding: dict[str, int],
    meeting: Meeting | None = None,
    outcome: str = Decision.Outcome.AGREED,
    agreed_volume: Decimal | str | None = None,
    proposal_funding: dict[str, int] | None = None,
    **kwargs,
) -> Proposal:
    """A proposal agreed at `meeting` and executed by `executing_agency`.

    `funding` is the decision's agreed `{scheme code: amount}`; the proposal's own lines are `proposal_funding`
    (by default the same amounts).
    """
    proposal = ProposalFactory(status=outcome, **kwargs)
    for code, amount in (proposal_funding if proposal_funding is not None else funding).items():
        ProposalFundingFactory(proposal=proposal, scheme=FundingSchemeFactory(code=code), amount=Decimal(amount))
    decision = DecisionFactory(
        meeting=meeting or MeetingFactory(),
        proposal=proposal,
        outcome=outcome,
        executing_agency=executing_agency,
        agreed_volume=Decimal(agreed_volume) if agreed_volume is not None else None,
    )
    for code, amount in funding.items():
        DecisionFundingFactory(decision=decision, scheme=FundingSchemeFactory(code=code), amount=Decimal(amount))
    return proposal


# Excel import and export (tests/programs/test_xlsx_*.py) -----------------------------------------------------------

# Imported here so that this section stays self-contained at the end of the module.
import io  # noqa: E402

from programs.models import WorkPlan, WorkPlanItem, WorkPlanItemFunding  # noqa: E402


class WorkPlanFactory(ModelFactory[WorkPlan]):
    class Meta:
        model = WorkPlan

    agency = factory.SubFactory(
        AgencyFactory,
        short_name="Dinas PUPR Prov. Kalsel",
        name="Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Kalimantan Selatan",
        level=Agency.Level.PROVINCIAL,
        region=factory.LazyFunction(province),
    )
    fiscal_year = 2027


def work_plan_item(
    work_plan: WorkPlan,
    *,
    code: str,
    region: Region,
    funding: dict[str, int],
    sources: tuple[Proposal, ...] = (),
    **kwargs,
) -> WorkPlanItem:
    """A Renja line of sub kegiatan `code` in `region`, with `{scheme code: amount}` funding lines."""
    item = WorkPlanItem.objects.create(work_plan=work_plan, sub_activity=sub_activity(code), region=region, **kwargs)
    for scheme_code, amount in funding.items():
        WorkPlanItemFunding.objects.create(
            item=item, scheme=FundingSchemeFactory(code=scheme_code), amount=Decimal(amount)
        )
    item.source_proposals.set(sources)
    return item


def xlsx_bytes(rows: list[list], *, sheet: str = "Usulan", before: tuple[str, ...] = ()) -> bytes:
    """A workbook as a spreadsheet program would save it: `rows` from A1 on sheet `sheet`, after empty `before`
    sheets. Values go in as given: numbers as numbers, text as text."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    for name in before:
        workbook.create_sheet(name)["A1"] = "Petunjuk pengisian"
    worksheet = workbook.create_sheet(sheet)
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def usulan_xlsx(records: list[dict], *, header: list[str] | None = None, title_rows: Sequence[list] = ()) -> bytes:
    """The proposal workbook with `records` (column label -> value) below `title_rows` and the header."""
    header = header or list(dict.fromkeys(label for record in records for label in record))
    rows = [*title_rows, header, *([record.get(label) for label in header] for record in records)]
    return xlsx_bytes(rows)
