"""What the gathering and the documents of a dossier share: its files and data, and the base
of the writer (times in the ward's zone, the administrative document frame, the three groups
of petitions by outcome)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.documents import AdminDocument, issuing_body, place_name
from bot.domain.deadlines import ConclusionNotice
from bot.domain.reporting import Minutes, PetitionRow
from bot.domain.sessions import Registration, Session
from bot.domain.workflow import Outcome
from bot.usecases.common import Services
from messages import label

_ANSWERED = (Outcome.ANSWERED_AT_SESSION, Outcome.ANSWERED_DIRECTLY)


@dataclass(frozen=True, slots=True)
class DossierFile:
    folder: str
    name: str
    data: bytes

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.name}"


@dataclass(slots=True)
class DossierData:
    session: Session
    registrations: list[Registration]
    rows: list[PetitionRow]
    minutes: Minutes | None
    notice: ConclusionNotice | None
    made_at: datetime
    extra: dict[str, str] = field(default_factory=dict)


class DossierWriterBase:
    """The data and the helpers every part of :class:`DossierWriter` builds on."""

    def __init__(self, services: Services, data: DossierData) -> None:
        self.s = services
        self.d = data
        self.tz = services.ward.tz
        session = data.session
        self.title = session.title
        self.when = self._time(session.starts_at)
        if session.ends_at:
            self.when += f" – {session.ends_at.astimezone(self.tz):%H:%M}"

    def _time(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.tz):%H:%M, %d/%m/%Y}"

    def _doc(
        self, kind: str, subject: str, symbol: str, *, secretary: bool = False
    ) -> AdminDocument:
        name = self.s.ward.ward.name
        doc = AdminDocument(
            issuer=issuing_body(name),
            symbol=symbol,
            place=place_name(name),
            day=self.d.made_at.astimezone(self.tz).date(),
            kind_title=kind,
            subject=subject,
            signer_caption=label("documents.tm_committee"),
            signer_title=label("documents.chair"),
            recipients=[
                label("documents.to_party"),
                label("documents.to_people"),
                label("documents.to_archive"),
            ],
        )
        if secretary:
            doc.signer_caption = label("documents.office")
            doc.signer_title = label("documents.drafter")
        return doc

    def _groups(self) -> list[tuple[str, list[PetitionRow]]]:
        groups: dict[str, list[PetitionRow]] = {
            "group_answered": [],
            "group_assigned": [],
            "group_forwarded": [],
            "group_other": [],
        }
        for row in self.d.rows:
            outcome = row.handling.outcome if row.handling else None
            if outcome in _ANSWERED:
                groups["group_answered"].append(row)
            elif outcome is Outcome.ASSIGNED:
                groups["group_assigned"].append(row)
            elif outcome is Outcome.FORWARDED_HIGHER:
                groups["group_forwarded"].append(row)
            else:
                groups["group_other"].append(row)
        return [(label(f"dossier.{k}"), v) for k, v in groups.items()]
