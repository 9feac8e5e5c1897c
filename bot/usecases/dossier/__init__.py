"""Hồ sơ hội nghị đối thoại (seed 004 IV.4.2): every document of one session, in three groups.

before (01-truoc) — the plan, the invitation, the summary report of petitions with the answers
prepared (staff and public versions, .docx and .xlsx), the assignment of answers;
during (02-trong) — the programme, the minutes (biên bản) the secretary typed, the attendees and
speakers; after (03-sau) — the conclusion notice, the units' result reports, the items still open
and those sent to the higher level. Built from the database on demand, never stored.
"""

from __future__ import annotations

from bot.usecases.dossier._shared import DossierData, DossierFile
from bot.usecases.dossier.gathering import (
    FLOW,
    MINUTES_MAX,
    DossierOutcome,
    DossierResult,
    Dossiers,
    slug,
    write_dossier,
)
from bot.usecases.dossier.writer import DossierWriter

__all__ = [
    "FLOW",
    "MINUTES_MAX",
    "DossierData",
    "DossierFile",
    "DossierOutcome",
    "DossierResult",
    "DossierWriter",
    "Dossiers",
    "slug",
    "write_dossier",
]
