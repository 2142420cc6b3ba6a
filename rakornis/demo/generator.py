"""Draws demo proposals one by one from a seeded RNG: what each proposes, its funding, the status it must reach and
what the Rakornis decides on it. The draws depend only on the seed and the reference data; nothing is written here
(`rakornis.demo.writer` hands the rows to the services)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from typing import Any

from agencies.models import Agency
from programs.models import Proposal
from programs.workflow import DECIDED_STATUSES
from rakornis.demo.names import FISCAL_YEAR, MILLION, PERKIM_PROV, PUPR_PROV
from rakornis.demo.reference import DemoReference, Place, RegencyRef
from rakornis.demo.weights import (
    CARRY_OVER_SHARE,
    COORDINATES_SHARE,
    DEFER_REASONS,
    FORWARD_SHARE,
    NOT_PROVINCIAL_REASON,
    ORIGIN_WEIGHTS,
    OUT_OF_CATALOGUE_SHARE,
    PRELUDE_STATUSES,
    PRIORITY_WEIGHTS,
    PROVINCIAL_MIXES,
    PROVINCIAL_NONPHYSICAL_MIXES,
    REGENCY_MIXES,
    REGION_SEATS,
    REGION_WEIGHTS,
    REJECT_REASONS,
    RETURN_NOTES,
    RIVERS,
    STATUS_WEIGHTS,
)
from rakornis.demo.works import OUT_OF_CATALOGUE, OUT_OF_CATALOGUE_REASON, Work

S = Proposal.Status


@dataclass(slots=True)
class DemoDecision:
    """What the Rakornis decides on a row, as `meetings.services.decision_record` takes it."""

    outcome: str
    agreed_volume: Decimal | None = None
    lines: list[tuple[str, int]] | None = None  # agreed (scheme code, millions) when changed; None: as proposed
    executing_agency: Agency | None = None
    merged_into: DemoRow | None = None
    reason: str = ""

    def reason_text(self) -> str:
        """The reason as recorded: a merge names the number its target received when it was created."""
        if self.merged_into is None or self.merged_into.proposal is None:
            return self.reason
        return self.reason.format(number=self.merged_into.proposal.number)


BANJAR_CODE = "63.03"


@dataclass(slots=True)
class DemoRow:
    """One generated proposal: its fields, funding, the status it must reach and the steps on the way."""

    data: dict[str, Any]  # Proposal.EDITABLE_FIELDS, foreign keys as instances
    lines: list[tuple[str, int]]  # (scheme code, millions)
    status: str
    decision: DemoDecision | None = None
    carry_over: bool = False
    return_note: str = ""
    proposal: Proposal | None = None  # set once created

    @property
    def region_code(self) -> str:
        code: str = self.data["region"].code
        return code

    @property
    def saved(self) -> Proposal:
        """The proposal the services created for this row."""
        if self.proposal is None:
            raise LookupError("the row has not been created yet")
        return self.proposal


def _weighted(pairs: Sequence[tuple[Any, int]]) -> tuple[list[Any], list[int]]:
    values = [value for value, _ in pairs]
    return values, list(accumulate(weight for _, weight in pairs))


def _volume(hundredths: int) -> Decimal:
    return Decimal(hundredths).scaleb(-2)


def _sta(metres: int) -> str:
    return f"{metres // 1000}+{metres % 1000:03d}"


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split `total` millions over `parts` lines, the first line the largest share."""
    if parts == 1:
        return [total]
    first = total * rng.choice((50, 60, 70, 75, 80)) // 100
    if parts == 2:
        return [first, total - first]
    second = (total - first) * rng.choice((50, 60, 70)) // 100
    return [first, second, total - first - second]


class Generator:
    """`next()` draws the next row. Only a few rows are kept across calls (the merge targets)."""

    def __init__(self, *, reference: DemoReference, seed: int) -> None:
        self.rng = random.Random(seed)
        self.ref = reference
        weighted = [(regency, REGION_WEIGHTS.get(regency.code, 7)) for regency in reference.regencies]
        self.regions = _weighted(weighted)
        self.works = _weighted([(work, work.weight) for work, _ in reference.works])
        self.sub_activities = {work.code: sub for work, sub in reference.works}
        self.statuses = _weighted(STATUS_WEIGHTS)
        self.priorities = _weighted(PRIORITY_WEIGHTS)
        self.origins = _weighted(ORIGIN_WEIGHTS)
        self.regency_mixes = _weighted(REGENCY_MIXES)
        self.provincial_mixes = _weighted(PROVINCIAL_MIXES)
        self.nonphysical_mixes = _weighted(PROVINCIAL_NONPHYSICAL_MIXES)
        # The latest agreed row per (kab/kota, sub kegiatan) and per kab/kota: where a merged one goes.
        self.agreed_by_work: dict[tuple[str, str], DemoRow] = {}
        self.agreed_by_region: dict[str, DemoRow] = {}
        self.first_rows: list[DemoRow] = []  # of the prelude, one per kabupaten/kota
        self.pupr_prov = reference.agencies[PUPR_PROV]
        self.perkim_prov = reference.agencies[PERKIM_PROV]
        self.index = 0
        self.deferred_seen = 0

    def _pick(self, weighted: tuple[list[Any], list[int]]) -> Any:
        values, cumulative = weighted
        return self.rng.choices(values, cum_weights=cumulative)[0]

    def _regency_and_status(self) -> tuple[RegencyRef, str]:
        index, regencies = self.index, self.ref.regencies
        if index < len(regencies):
            return regencies[index], PRELUDE_STATUSES[index % len(PRELUDE_STATUSES)]
        if index == len(regencies):
            return regencies[0], S.MERGED
        return self._pick(self.regions), self._pick(self.statuses)

    def _places(self, regency: RegencyRef, work: Work) -> tuple[dict[str, str], Place, Any]:
        rng = self.rng
        place = rng.choice(regency.places)
        village, village_name = rng.choice(place.villages) if place.villages else (None, f"Kecamatan {place.name}")
        fields = {
            "kec": place.name,
            "desa": village_name,
            "sungai": rng.choice(RIVERS.get(regency.code, ("Martapura",))),
            "di": village_name.split(" ", 1)[-1],
        }
        if work.road:
            if not regency.is_city and len(regency.places) > 1 and rng.random() < 0.5:
                other = rng.choice([p for p in regency.places if p is not place])
                fields["ruas"] = f"{place.name} - {other.name}"
                village = None
            elif len(place.villages) > 1:
                other_name = rng.choice([name for v, name in place.villages if v is not village])
                fields["ruas"] = f"{village_name.split(' ', 1)[-1]} - {other_name.split(' ', 1)[-1]}"
            else:
                fields["ruas"] = f"{place.name} - {regency.name.split(' ', 1)[-1]}"
        return fields, place, village

    def next(self) -> DemoRow:
        if self.index == len(self.ref.regencies) + 1 and len(self.first_rows) > 1:
            self.index += 1
            # In Kab. Banjar, where the first demo operator (operator.banjar) finds it with the list's filter.
            banjar = [row for row in self.first_rows if row.region_code == BANJAR_CODE]
            return self._pokir_twin(banjar[0] if banjar else self.first_rows[1])
        rng = self.rng
        regency, status = self._regency_and_status()
        prelude = self.index < len(self.ref.regencies)
        self.index += 1
        # The prelude stays within the nomenclature: its rows are the ones the overlap and merge examples use.
        out_of_catalogue = rng.random() < OUT_OF_CATALOGUE_SHARE and not prelude
        work = OUT_OF_CATALOGUE if out_of_catalogue else self._pick(self.works)

        fields, place, village = self._places(regency, work)
        vol = rng.randint(*work.volume) * work.step
        total = min(max(vol * rng.randint(*work.price) // 100 // MILLION, work.bounds[0]), work.bounds[1])
        if work.road:
            start = 0 if rng.random() < 0.5 else rng.randrange(500, 20_001, 250)
            fields["sta"] = f"STA {_sta(start)} - {_sta(start + vol * 10)}"
            location = f"Ruas {fields['ruas']}, {fields['sta']}, Kecamatan {place.name}"
        else:
            location = f"{fields['desa']}, Kecamatan {place.name}" if village else f"Kecamatan {place.name}"

        if not work.provincial:
            schemes = self._pick(self.regency_mixes)
        else:
            schemes = self._pick(self.provincial_mixes if work.physical else self.nonphysical_mixes)
        lines = list(zip(schemes, _split(total, len(schemes), rng), strict=True))

        latitude = longitude = None
        if rng.random() < COORDINATES_SHARE:
            lat, lon = REGION_SEATS.get(regency.code, (-3.0, 115.0))
            spread = 0.03 if regency.is_city else 0.12
            latitude = Decimal(f"{lat + rng.uniform(-spread, spread):.6f}")
            longitude = Decimal(f"{lon + rng.uniform(-spread, spread):.6f}")
        forward_volume = forward_amount = None
        if work.multi_year and rng.random() < FORWARD_SHARE:
            share = rng.choice((50, 75, 100))
            forward_volume = _volume(max(work.step, vol * share // 100 // work.step * work.step))
            forward_amount = Decimal(total * share * 105 // 10_000 * MILLION)
        priority = self._pick(self.priorities)
        origin = Proposal.Origin.MUSRENBANG if prelude else self._pick(self.origins)

        agency = regency.perkim if work.sector == "perkim" else regency.pupr
        work_key = (regency.code, work.code)
        merge_target = None
        if status == S.MERGED:
            merge_target = self.agreed_by_work.get(work_key) or self.agreed_by_region.get(regency.code)
            if merge_target is None:  # nothing agreed yet in this kab/kota to merge into
                status = S.AGREED
        row = DemoRow(
            data={
                "fiscal_year": FISCAL_YEAR,
                "region": regency.region,
                "agency": agency,
                "district": place.district,
                "village": village,
                "location": location,
                "latitude": latitude,
                "longitude": longitude,
                "sub_activity": None if out_of_catalogue else self.sub_activities[work.code],
                "out_of_catalogue": out_of_catalogue,
                "out_of_catalogue_reason": OUT_OF_CATALOGUE_REASON if out_of_catalogue else "",
                "name": work.name.format(**fields),
                "volume": _volume(vol),
                "unit": work.unit,
                "output_indicator": work.indicator,
                "priority": priority,
                "origin": origin,
                "forward_volume": forward_volume,
                "forward_amount": forward_amount,
                "notes": "",
            },
            lines=lines,
            status=status,
        )
        if prelude:
            self.first_rows.append(row)
        if status in Proposal.AGREED_STATUSES:
            self.agreed_by_work[work_key] = row
            self.agreed_by_region[regency.code] = row
        if status in DECIDED_STATUSES:
            row.decision = self._decision(status, work, vol, lines, agency, merge_target)
        if status == S.DEFERRED:
            # The first deferred proposal of a run always gets its TA 2028 draft, so a small demo shows one.
            row.carry_over = rng.random() < CARRY_OVER_SHARE or self.deferred_seen == 0
            self.deferred_seen += 1
        if status == S.RETURNED:
            row.return_note = rng.choice(RETURN_NOTES)
        return row

    def _pokir_twin(self, original: DemoRow) -> DemoRow:
        """A DPRD member's Pokir for the very work a Musrenbang proposal already asks for: same kabupaten/kota, sub
        kegiatan, name and location. Real planning has such pairs; the overlap rule flags them, nothing refuses them.
        """
        data = {**original.data, "origin": Proposal.Origin.POKIR, "priority": Proposal.Priority.HIGH}
        return DemoRow(data=data, lines=list(original.lines), status=S.VERIFIED)

    def _decision(
        self,
        status: str,
        work: Work,
        vol: int,
        lines: list[tuple[str, int]],
        agency: Agency,
        merge_target: DemoRow | None,
    ) -> DemoDecision:
        rng = self.rng
        executing = agency
        if work.provincial:
            executing = self.perkim_prov if work.code.startswith("1.04.") else self.pupr_prov
        if status == S.AGREED:
            return DemoDecision(status, executing_agency=executing)
        if status == S.MERGED:
            assert merge_target is not None
            if merge_target.data["sub_activity"] == self.sub_activities.get(work.code):
                reason = "Digabung dengan usulan {number} (sub kegiatan dan wilayah yang sama)."
            else:
                reason = "Digabung dengan usulan {number} dalam satu paket pekerjaan."
            return DemoDecision(status, merged_into=merge_target, reason=reason)
        if status == S.DEFERRED:
            return DemoDecision(status, reason=rng.choice(DEFER_REASONS))
        if status == S.REJECTED:
            reasons = (*REJECT_REASONS, NOT_PROVINCIAL_REASON) if work.provincial else REJECT_REASONS
            return DemoDecision(status, reason=rng.choice(reasons))

        # Agreed with changes: the volume and amounts cut, part of the money moved to another scheme, or a
        # provincial work taken over by the central Balai with APBN.
        change = rng.random()
        if work.balai and change < 0.15:
            share = rng.choice((80, 90, 100))
            total = sum(amount for _, amount in lines)
            balai = self.ref.agencies[work.balai]
            reason = f"Ditangani melalui APBN oleh {balai.short_name}."
            return DemoDecision(status, _volume(vol), [("APBN", total * share // 100)], balai, reason=reason)
        if change < 0.45:
            if work.provincial:
                target = "TP" if work.physical else "DEKON"
            else:
                target = "BKP" if lines[0][0] != "BKP" else "APBD_KAB"
            first_scheme, first_amount = lines[0]
            moved = first_amount * rng.choice((20, 30, 40, 50)) // 100
            changed = dict(lines)
            changed[first_scheme] = first_amount - moved
            changed[target] = changed.get(target, 0) + moved
            reason = f"Sebagian pendanaan dialihkan ke {target.replace('_', ' ')}."
            return DemoDecision(status, _volume(vol), list(changed.items()), executing, reason=reason)
        share = rng.choice((50, 60, 70, 75, 80, 90))
        agreed_volume = max(work.step, vol * share // 100 // work.step * work.step)
        changed_lines = [(scheme, max(1, amount * share // 100)) for scheme, amount in lines]
        reason = "Volume dan pagu disesuaikan dengan kemampuan keuangan daerah."
        return DemoDecision(status, _volume(agreed_volume), changed_lines, executing, reason=reason)
