"""Every write on proposals. The form, the Excel import, the admin, the meeting services and `seed_demo` all write
proposals here, so every proposal gets its number, funding lines and audit entry the same way, and every status
change goes through the state machine (`programs.workflow`) under a row lock. Who may is decided before, by
`rakornis.policy`.

- `proposals`: create and change, one or many (numbering, renumbering, funding, the one-time form token).
- `transitions`: submit, withdraw, return, verify, decide, carry over, one or many.
"""

from programs.services.proposals import (
    PROPOSAL_FIELDS,
    BulkRefusal,
    ProposalConflict,
    ProposalInput,
    ProposalUpdate,
    proposal_conflict,
    proposal_create,
    proposal_create_bulk,
    proposal_create_bulk_numbers,
    proposal_delete_bulk,
    proposal_for_token,
    proposal_next_number,
    proposal_update,
    proposal_update_bulk,
    proposal_update_refusal,
)
from programs.services.transitions import (
    CARRY_OVER_FIELDS,
    EVENT_AUDIT_ACTIONS,
    ProposalMove,
    proposal_carry_over,
    proposal_carry_over_many,
    proposal_decide,
    proposal_move_bulk,
    proposal_return,
    proposal_submit,
    proposal_verify,
    proposal_withdraw,
)
from programs.workflow import TransitionError

__all__ = [
    "CARRY_OVER_FIELDS",
    "EVENT_AUDIT_ACTIONS",
    "PROPOSAL_FIELDS",
    "BulkRefusal",
    "ProposalConflict",
    "ProposalInput",
    "ProposalMove",
    "ProposalUpdate",
    "TransitionError",
    "proposal_carry_over",
    "proposal_carry_over_many",
    "proposal_conflict",
    "proposal_create",
    "proposal_create_bulk",
    "proposal_create_bulk_numbers",
    "proposal_decide",
    "proposal_delete_bulk",
    "proposal_for_token",
    "proposal_move_bulk",
    "proposal_next_number",
    "proposal_return",
    "proposal_submit",
    "proposal_update",
    "proposal_update_bulk",
    "proposal_update_refusal",
    "proposal_verify",
    "proposal_withdraw",
]
