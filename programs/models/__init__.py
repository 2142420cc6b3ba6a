"""The programs app's models: reference data (nomenclature, funding schemes), proposals, Renja, outcome
indicators and background Excel jobs, one module each; imported here so that Django and `programs.models`
callers find them all."""

from programs.models.indicators import Indicator, IndicatorTarget
from programs.models.jobs import ExcelJob
from programs.models.proposals import Proposal, ProposalFunding, ProposalQuerySet
from programs.models.reference import (
    MAX_FISCAL_YEAR,
    MIN_FISCAL_YEAR,
    NOMENCLATURE_CODE_RE,
    FundingLine,
    FundingScheme,
    Nomenclature,
    NomenclatureQuerySet,
    fiscal_year_field,
    fiscal_year_in_range,
    funding_line_constraints,
    money_field,
)
from programs.models.workplans import WorkPlan, WorkPlanItem, WorkPlanItemFunding, WorkPlanQuerySet

__all__ = [
    "MAX_FISCAL_YEAR",
    "MIN_FISCAL_YEAR",
    "NOMENCLATURE_CODE_RE",
    "ExcelJob",
    "FundingLine",
    "FundingScheme",
    "Indicator",
    "IndicatorTarget",
    "Nomenclature",
    "NomenclatureQuerySet",
    "Proposal",
    "ProposalFunding",
    "ProposalQuerySet",
    "WorkPlan",
    "WorkPlanItem",
    "WorkPlanItemFunding",
    "WorkPlanQuerySet",
    "fiscal_year_field",
    "fiscal_year_in_range",
    "funding_line_constraints",
    "money_field",
]
