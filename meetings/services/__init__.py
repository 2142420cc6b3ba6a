"""Writes on meetings: the meeting itself, attendance, agenda, decisions and closing.

Every function locks the rows it changes, refuses anything on a closed meeting, and writes its audit entries in
the same transaction. A refusal raises `MeetingError` with a message for the user; nothing is changed then.

- `meetings`: the meeting, its bases ("Dasar"), attendance and agenda, closing it.
- `decisions`: what the meeting decided on each proposal, one (the form) or many (a batch), with the proposal's
  move to the status of the outcome.
"""

from meetings.services.decisions import (
    DECISION_FIELDS,
    PROVINCIAL_SCHEME_CODE,
    DecisionConflict,
    DecisionInput,
    decision_record,
    decision_record_bulk,
    decision_record_item,
    decision_refusal,
    default_executing_agency,
)
from meetings.services.meetings import (
    ATTENDANCE_FIELDS,
    MEETING_FIELDS,
    MeetingError,
    agenda_add,
    agenda_candidates,
    agenda_remove,
    attendance_add,
    attendance_delete,
    basis_add,
    basis_delete,
    basis_move,
    basis_update,
    locked_open_meeting,
    meeting_close,
    meeting_create,
    meeting_update,
)

__all__ = [
    "ATTENDANCE_FIELDS",
    "DECISION_FIELDS",
    "MEETING_FIELDS",
    "PROVINCIAL_SCHEME_CODE",
    "DecisionConflict",
    "DecisionInput",
    "MeetingError",
    "agenda_add",
    "agenda_candidates",
    "agenda_remove",
    "attendance_add",
    "attendance_delete",
    "basis_add",
    "basis_delete",
    "basis_move",
    "basis_update",
    "decision_record",
    "decision_record_bulk",
    "decision_record_item",
    "decision_refusal",
    "default_executing_agency",
    "locked_open_meeting",
    "meeting_close",
    "meeting_create",
    "meeting_update",
]
