"""Everything a person can do in the application, named once.

The proposal actions are the events of the proposal state machine (`programs.workflow.TRANSITIONS` says from which
status each may happen and which roles fire it); the others are granted by `rakornis.policy`. Both read this enum.
"""

from enum import StrEnum


class Action(StrEnum):
    # Proposals: the state machine's events. EDIT and CARRY_OVER leave the status as it is.
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    RETURN = "return"
    VERIFY = "verify"
    DECIDE = "decide"
    CORRECT_DECISION = "correct_decision"
    CARRY_OVER = "carry_over"
    # Proposal workbooks: the template to fill in.
    DOWNLOAD_TEMPLATE = "download_template"
    # Meetings: create and edit a meeting, its attendance and agenda, close it.
    MANAGE_MEETING = "manage_meeting"
    # Meetings: the Berita Acara and its annex.
    READ_MINUTES = "read_minutes"
    # Renja: create, sync and finalise an agency's work plan.
    PLAN = "plan"
    # Outcome indicators: baselines, targets and denominators (planners and verifiers), realisations (also the
    # operators of the kabupaten/kota they report for). Reading them needs no action: every role sees its scope.
    SET_INDICATOR_TARGET = "set_indicator_target"
    REPORT_INDICATOR = "report_indicator"
    # Supporting documents of a proposal: attach while it is editable (the state machine's EDIT statuses); the
    # uploader deletes their own. Reading them needs no action: whoever sees the proposal reads its documents.
    ATTACH_DOCUMENT = "attach_document"
    # A proposal's thread: read by whoever sees the proposal, written by its staff there (not by viewers).
    COMMENT = "comment"
