"""Gửi ý kiến: the guided petition flow, staff entry on behalf, "my opinions", the digest.

The draft lives in ``chat_states`` (flow "petition" for residents, "petition_staff" for a
secretary filing on someone's behalf), so a bot restart in the middle loses nothing. Filing is
one transaction: the session's opinion deadline, the duplicate check, the daily limit, the
tracking code from the per-(ward, year) counter, the petition, its ``received`` event and the
audit entry. Secretaries learn of new petitions from a periodic digest, not one ping each.
"""

from __future__ import annotations

from bot.usecases.petitions._shared import (
    AT_SESSION_LOOKBACK,
    AT_SESSION_SHOWN,
    FLOW,
    FLOWS,
    STAFF_FLOW,
    Draft,
    Outcome,
    Result,
    Step,
    is_open_for_opinions,
    is_recordable_at,
    records_at_session,
)
from bot.usecases.petitions.digest import (
    DIGEST_CODES_SHOWN,
    DIGEST_EVENT,
    DIGEST_GATHER,
    DIGEST_WINDOW,
    DigestReport,
    run_digest,
)
from bot.usecases.petitions.filing import FilingMixin
from bot.usecases.petitions.intake import (
    EDITABLE,
    RESIDENT_STEPS,
    STAFF_CHANNELS,
    STAFF_STEPS,
    WEEKLY,
    IntakeMixin,
    step_number,
    steps_of,
)
from bot.usecases.petitions.my_opinions import (
    PAGE_SIZE,
    FullText,
    FullTextOutcome,
    MyOpinionsMixin,
    Page,
    Timeline,
    TimelineOutcome,
    TimelineResult,
)

__all__ = [
    "AT_SESSION_LOOKBACK",
    "AT_SESSION_SHOWN",
    "DIGEST_CODES_SHOWN",
    "DIGEST_EVENT",
    "DIGEST_GATHER",
    "DIGEST_WINDOW",
    "EDITABLE",
    "FLOW",
    "FLOWS",
    "PAGE_SIZE",
    "RESIDENT_STEPS",
    "STAFF_CHANNELS",
    "STAFF_FLOW",
    "STAFF_STEPS",
    "WEEKLY",
    "DigestReport",
    "Draft",
    "FullText",
    "FullTextOutcome",
    "Outcome",
    "Page",
    "Petitions",
    "Result",
    "Step",
    "Timeline",
    "TimelineOutcome",
    "TimelineResult",
    "is_open_for_opinions",
    "is_recordable_at",
    "records_at_session",
    "run_digest",
    "step_number",
    "steps_of",
]


class Petitions(IntakeMixin, FilingMixin, MyOpinionsMixin):
    """One use case composed of its parts; the digest is a job of its own (:func:`run_digest`)."""
