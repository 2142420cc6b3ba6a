"""factory_boy factories for the registry. Reference rows (regions, schemes) are looked up or created by code."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from agencies.models import Agency, Region, StaffRole
from meetings.models import Attendance, Decision, Meeting
from programs.models import FundingScheme, Nomenclature, Proposal, ProposalFunding


class RegionFactory(factory.django.DjangoModelFactory):
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


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("short_name",)

    name = factory.LazyAttribute(lambda o: f"Dinas {o.short_name}")
    short_name = factory.Sequence(lambda n: f"Dinas Uji {n}")
    level = Agency.Level.REGENCY
    region = factory.LazyFunction(regency)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "rakornis-demo")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class StaffRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffRole

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = StaffRole.Role.OPERATOR


class FundingSchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingScheme
        django_get_or_create = ("code",)

    code = "APBD_KAB"
    name = factory.LazyAttribute(lambda o: o.code.replace("_", " "))
    short_name = factory.LazyAttribute(lambda o: o.code)
    budget = FundingScheme.Budget.APBD


def sub_activity(code: str = "1.03.10.2.01.0053", name: str = "Pembangunan Jalan") -> Nomenclature:
    """A sub kegiatan with its ancestors, created as needed."""
    parent = None
    parts = code.split(".")
    for depth in (1, 2, 3, 5, 6):
        node_code = ".".join(parts[:depth])
        level = Nomenclature.level_for_code(node_code)
        parent, _ = Nomenclature.objects.get_or_create(
            code=node_code,
            defaults={
                "level": level,
                "name": name if depth == 6 else f"Nomenklatur {node_code}",
                "parent": parent,
                "government_level": Nomenclature.government_level_for_code(node_code),
            },
        )
    return parent


class ProposalFactory(factory.django.DjangoModelFactory):
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


class ProposalFundingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProposalFunding

    proposal = factory.SubFactory(ProposalFactory)
    scheme = factory.SubFactory(FundingSchemeFactory)
    amount = Decimal("1500000000")


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    kind = Meeting.Kind.RAKORNIS
    title = factory.Sequence(lambda n: f"Rakornis Uji {n}")
    organiser = factory.SubFactory(AgencyFactory, level=Agency.Level.PROVINCIAL, region=factory.LazyFunction(province))
    starts_at = factory.Faker("date_time_this_year", tzinfo=__import__("datetime").UTC)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + __import__("datetime").timedelta(hours=6))
    venue = "Aula Dinas PUPR"
    fiscal_year = 2027


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    meeting = factory.SubFactory(MeetingFactory)
    name = factory.Faker("name", locale="id_ID")


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    meeting = factory.SubFactory(MeetingFactory)
    proposal = factory.SubFactory(ProposalFactory)
    outcome = Decision.Outcome.AGREED
