"""Demo outcome indicators with the real Kalsel figures (Rakortek PKP, Disperkim Kalsel, 12 February 2026) and,
marked as such, plausible demo targets and the safe sanitation baselines of the Pokja PKP per kabupaten/kota.

Real: 237,973 RTLH recorded and 2,804 handled; 345.029 ha of slums handled = 43.62 % of the slum area under
provincial authority, so that area is 345.029 / 0.4362 = 790.98 ha (computed here, said in its source); the annual
slum figures 2025 target 35.09 ha, realised 35.85 ha, 2026 target 36.67 ha. Everything else is labelled "demo".
Figures go through `indicators.services` as the planner of the province, so their audit trail is a user's.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User

from agencies.models import Region
from indicators.services import FigureInput, SourceInput, indicator_denominator_set, indicator_figure_set
from programs.models import Indicator, IndicatorSubActivity, IndicatorTarget, Nomenclature
from rakornis.demo.names import PROVINCE_CODE

Figure = IndicatorTarget.Figure
PLANNER = "perencana.pupr"

RAKORTEK_PKP = SourceInput(
    document="Paparan Disperkim Prov. Kalimantan Selatan, Rakortek Perumahan dan Kawasan Permukiman 2026",
    number="",
    date=date(2026, 2, 12),
)
RTLH_DATA = SourceInput(document="Data RTLH Disperkim Prov. Kalimantan Selatan", number="", date=date(2026, 2, 12))
SLUM_SK = SourceInput(
    document="SK Penetapan Kawasan Kumuh kewenangan provinsi (luas dihitung: 345,029 ha / 43,62 % = 790,98 ha)",
    number="",
    date=date(2026, 2, 12),
)
POKJA_PKP = SourceInput(
    document="Demo: Lokakarya Pokja PKP Kalimantan Selatan, baseline dan target sanitasi aman (angka ilustratif)",
    number="",
    date=date(2025, 9, 25),
)
DEMO = SourceInput(document="Demo: target ilustratif, bukan angka resmi", number="", date=date(2026, 1, 29))

# code, name, unit, direction, counting, sector, definition, contributing sub kegiatan
INDICATORS = [
    (
        "IK-PKP-01",
        "Rumah tidak layak huni (RTLH) yang ditangani",
        "unit",
        Indicator.Counting.CUMULATIVE,
        "1.04",
        "Jumlah RTLH yang sudah diperbaiki atau dibangun baru sampai akhir tahun, dari RTLH yang terdata.",
        ["1.04.03.1.02.0003"],
    ),
    (
        "IK-PKP-02",
        "Luas kawasan permukiman kumuh kewenangan provinsi yang ditangani",
        "ha",
        Indicator.Counting.CUMULATIVE,
        "1.04",
        "Luas kawasan kumuh yang sudah ditangani sampai akhir tahun, dari luas yang ditetapkan SK Penetapan "
        "Kawasan Kumuh kewenangan provinsi.",
        ["1.04.03.1.01.0014", "1.04.03.1.01.0017", "1.04.03.1.02.0003"],
    ),
    (
        "IK-PKP-03",
        "Luas kawasan permukiman kumuh yang ditangani per tahun",
        "ha",
        Indicator.Counting.ANNUAL,
        "1.04",
        "Luas kawasan kumuh yang ditangani dalam satu tahun anggaran.",
        ["1.04.03.1.01.0014", "1.04.03.1.02.0003"],
    ),
    (
        "IK-PKP-04",
        "Rumah tangga dengan akses sanitasi aman",
        "%",
        Indicator.Counting.CUMULATIVE,
        "1.03",
        "Persentase rumah tangga dengan akses sanitasi aman (RPJMN 2025\u20132029: dari \u201clayak\u201d ke "
        "\u201caman\u201d).",
        ["1.03.05.1.01.0015"],
    ),
    (
        "IK-PUPR-01",
        "Rumah tangga dengan akses air minum aman",
        "%",
        Indicator.Counting.CUMULATIVE,
        "1.03",
        "Persentase rumah tangga dengan akses air minum aman.",
        ["1.03.03.1.01.0015", "1.03.03.1.01.0021"],
    ),
    (
        "IK-PUPR-02",
        "Jalan provinsi dalam kondisi mantap",
        "%",
        Indicator.Counting.CUMULATIVE,
        "1.03",
        "Persentase panjang jalan provinsi dalam kondisi baik dan sedang.",
        ["1.03.10.1.01.0030", "1.03.10.1.01.0033", "1.03.10.1.01.0038"],
    ),
]

# Province: (code, year, figure, value, source)
PROVINCE_FIGURES = [
    ("IK-PKP-01", 2024, Figure.BASELINE, "1700", DEMO),
    ("IK-PKP-01", 2025, Figure.TARGET, "2600", DEMO),
    ("IK-PKP-01", 2025, Figure.REALISATION, "2804", RAKORTEK_PKP),
    ("IK-PKP-01", 2026, Figure.TARGET, "4300", DEMO),
    ("IK-PKP-01", 2027, Figure.TARGET, "5900", DEMO),
    ("IK-PKP-01", 2028, Figure.TARGET, "7600", DEMO),
    ("IK-PKP-01", 2029, Figure.TARGET, "9400", DEMO),
    # Cumulative slum area: 2025 realised 345.029 ha; 2024 and the targets follow from the annual figures.
    ("IK-PKP-02", 2024, Figure.BASELINE, "309.179", RAKORTEK_PKP),
    ("IK-PKP-02", 2025, Figure.TARGET, "344.269", RAKORTEK_PKP),
    ("IK-PKP-02", 2025, Figure.REALISATION, "345.029", RAKORTEK_PKP),
    ("IK-PKP-02", 2026, Figure.TARGET, "381.699", RAKORTEK_PKP),
    ("IK-PKP-02", 2027, Figure.TARGET, "420", DEMO),
    ("IK-PKP-03", 2025, Figure.TARGET, "35.09", RAKORTEK_PKP),
    ("IK-PKP-03", 2025, Figure.REALISATION, "35.85", RAKORTEK_PKP),
    ("IK-PKP-03", 2026, Figure.TARGET, "36.67", RAKORTEK_PKP),
    ("IK-PKP-04", 2024, Figure.BASELINE, "9.8", POKJA_PKP),
    ("IK-PKP-04", 2025, Figure.REALISATION, "11.2", POKJA_PKP),
    *[
        ("IK-PKP-04", year, Figure.TARGET, str(value), POKJA_PKP)
        for year, value in zip(range(2025, 2030), (11, 13, 15, 17, 19), strict=True)
    ],
    ("IK-PUPR-01", 2024, Figure.BASELINE, "14.5", DEMO),
    ("IK-PUPR-01", 2025, Figure.REALISATION, "15.9", DEMO),
    *[
        ("IK-PUPR-01", year, Figure.TARGET, str(value), DEMO)
        for year, value in zip(range(2025, 2030), (16, 18, 20, 22, 25), strict=True)
    ],
    ("IK-PUPR-02", 2024, Figure.BASELINE, "78.4", DEMO),
    ("IK-PUPR-02", 2025, Figure.REALISATION, "80.1", DEMO),
    *[
        ("IK-PUPR-02", year, Figure.TARGET, str(value), DEMO)
        for year, value in zip(range(2025, 2030), (80, 82, 84, 86, 88), strict=True)
    ],
]
# Safe sanitation per kabupaten/kota (Pokja PKP, demo values): baseline 2024 and the yearly step of the target.
SANITATION = {
    "63.01": ("7.4", "1.8"),
    "63.02": ("6.1", "1.6"),
    "63.03": ("10.2", "2.0"),
    "63.04": ("8.7", "1.9"),
    "63.05": ("9.3", "2.0"),
    "63.06": ("8.1", "1.8"),
    "63.07": ("7.9", "1.8"),
    "63.08": ("6.8", "1.7"),
    "63.09": ("11.4", "2.1"),
    "63.10": ("9.0", "1.9"),
    "63.11": ("5.6", "1.5"),
    "63.71": ("18.2", "2.5"),
    "63.72": ("15.7", "2.3"),
}
DENOMINATORS = [
    ("IK-PKP-01", "237973", "RTLH terdata", RTLH_DATA),
    ("IK-PKP-02", "790.98", "luas kawasan kumuh kewenangan provinsi", SLUM_SK),
]


def demo_indicators_ensure(*, users: dict[str, User]) -> int:
    """The demo indicators, their links, denominators and figures; idempotent (unchanged figures are not written
    again). Returns the number of indicators."""
    planner = users[PLANNER]
    sectors = {n.code: n for n in Nomenclature.objects.filter(code__in={row[4] for row in INDICATORS})}
    indicators: dict[str, Indicator] = {}
    for code, name, unit, counting, sector, definition, sub_codes in INDICATORS:
        indicator, _ = Indicator.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "direction": Indicator.Direction.UP,
                "counting": counting,
                "sector": sectors.get(sector),
                "definition": definition,
            },
        )
        indicators[code] = indicator
        for sub in Nomenclature.objects.sub_activities().filter(code__in=sub_codes):
            IndicatorSubActivity.objects.get_or_create(indicator=indicator, sub_activity=sub)
    regions = {r.code: r for r in Region.objects.filter(code__in=[PROVINCE_CODE, *SANITATION])}
    province = regions[PROVINCE_CODE]
    for code, value, label, source in DENOMINATORS:
        indicator_denominator_set(
            user=planner, indicator=indicators[code], region=province, value=Decimal(value), label=label, source=source
        )
    entries = [
        FigureInput(indicators[code], province, year, figure, Decimal(value), source)
        for code, year, figure, value, source in PROVINCE_FIGURES
    ]
    for region_code, (baseline, step) in SANITATION.items():
        region = regions.get(region_code)
        if region is None:
            continue
        base = Decimal(baseline)
        entries.append(FigureInput(indicators["IK-PKP-04"], region, 2024, Figure.BASELINE, base, POKJA_PKP))
        for offset, year in enumerate(range(2025, 2030), start=1):
            target = base + Decimal(step) * offset
            entries.append(FigureInput(indicators["IK-PKP-04"], region, year, Figure.TARGET, target, POKJA_PKP))
        realised = base + Decimal(step) * Decimal("0.8")
        entries.append(FigureInput(indicators["IK-PKP-04"], region, 2025, Figure.REALISATION, realised, POKJA_PKP))
    for entry in entries:
        indicator_figure_set(user=planner, entry=entry)
    return len(indicators)
