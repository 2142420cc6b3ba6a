"""The fixed facts the demo is built on: the fiscal year it plans, the province, and the agencies it names."""

from __future__ import annotations

from zoneinfo import ZoneInfo

FISCAL_YEAR = 2027
PROVINCE_CODE = "63"
MILLION = 1_000_000
WITA = ZoneInfo("Asia/Makassar")

PUPR_PROV = "Dinas PUPR Prov. Kalsel"
PERKIM_PROV = "Disperkim Prov. Kalsel"
BAPPEDA = "Bappeda Prov. Kalsel"
BPJN = "BPJN Kalimantan Selatan"
BWS = "BWS Kalimantan III"
BPPW = "BPPW Kalimantan Selatan"
ITS = "ITS Surabaya"
NAMED_AGENCIES = (PUPR_PROV, PERKIM_PROV, BAPPEDA, BPJN, BWS, BPPW, ITS)
