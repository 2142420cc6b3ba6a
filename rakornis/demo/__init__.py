"""Demo data: the demo accounts, the Rakornis PUPR Kalsel 2026 meeting and generated proposals for TA 2027.

Used by `python manage.py seed_demo` (quick start and benchmarks). Everything is derived from the loaded reference
data (regions, agencies, funding schemes, nomenclature) and one `random.Random(seed)`, so the same seed on the same
reference data gives the same proposals: numbers, names, amounts, statuses and decisions.

Proposals are written only through the services (`programs.services`, `meetings.services`): each is created with
its number, funding lines and audit entry, then submitted, returned or verified and decided, so its history reads
as if the demo's people had done it on the pages.

- `reference`: the reference rows the demo needs; `names`: the fixed facts (year, province, agencies).
- `accounts`, `meetings`: the demo accounts and meetings.
- `works`, `weights`, `generator`: what is proposed, with which weights, drawn row by row from the seed.
- `writer`: hands the rows to the services; `seed`: the whole run.

Running it again on a database that already has data:
- with `if_empty=True` (used by `make run`): nothing at all is written when any proposal exists;
- otherwise the demo accounts (names, password, roles) and the open demo meetings (fields and attendance) are
  brought back to their demo state in place (a closed meeting is frozen, as any other), and proposals are generated
  only when the database has no proposal yet. Generated data is never appended to existing proposals: numbers,
  merges and carry-overs would no longer be those of the seed. To regenerate, start from an empty database
  (`flush`, then `load_reference_data`).
"""

from rakornis.demo.accounts import DEMO_PASSWORD
from rakornis.demo.reference import MissingReferenceData
from rakornis.demo.seed import CHUNK_SIZE, DEFAULT_PROPOSALS, DEFAULT_SEED, ProposalCounts, SeedResult, demo_seed

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_PROPOSALS",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "MissingReferenceData",
    "ProposalCounts",
    "SeedResult",
    "demo_seed",
]
