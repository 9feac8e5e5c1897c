"""Hồ sơ hội nghị đối thoại (seed 004 IV.4.2): every document of one session, in three groups.

before (01-truoc) — the plan, the invitation, the summary report of petitions with the answers
prepared (staff and public versions, .docx and .xlsx), the assignment of answers;
during (02-trong) — the programme, the minutes (biên bản) the secretary typed, the attendees and
speakers; after (03-sau) — the conclusion notice, the units' result reports, the items still open
and those sent to the higher level. Built from the database on demand, never stored.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from bot.documents import (
    AdminDocument,
    Heading,
    Paragraph,
    Sheet,
    Table,
    docx_bytes,
    in_sentence,
    issuing_body,
    place_name,
    xlsx_bytes,
)
from bot.domain.deadlines import ConclusionNotice
from bot.domain.people import ChatState
from bot.domain.permissions import Action, can
from bot.domain.petitions import Status, clean_text, public_label
from bot.domain.reporting import Minutes, PetitionFilter, PetitionRow
from bot.domain.sessions import Registration, RegistrationStatus, Session, host_text
from bot.domain.workflow import UNIT_STATUSES, Outcome
from bot.usecases.common import Services, audit
from bot.usecases.reports import (
    STAFF_WIDTHS_CM,
    petition_sheets,
    public_headers,
    public_row,
    resolving_unit,
    staff_headers,
    staff_row,
    unit_name,
)
from bot.usecases.sessions import audience_text
from messages import label, labels

FLOW = "dossier_minutes"
MINUTES_MAX = 20000
_ANSWERED = (Outcome.ANSWERED_AT_SESSION, Outcome.ANSWERED_DIRECTLY)
_SETTLED = (Status.ANSWERED, Status.RESOLVED, Status.CLOSED)


class DossierOutcome(StrEnum):
    DONE = "done"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class DossierFile:
    folder: str
    name: str
    data: bytes

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.name}"


@dataclass(frozen=True, slots=True)
class DossierResult:
    outcome: DossierOutcome
    folder: str = ""
    files: tuple[DossierFile, ...] = ()
    session_title: str = ""


@dataclass(slots=True)
class DossierData:
    session: Session
    registrations: list[Registration]
    rows: list[PetitionRow]
    minutes: Minutes | None
    notice: ConclusionNotice | None
    made_at: datetime
    extra: dict[str, str] = field(default_factory=dict)


def slug(text: str, limit: int = 40) -> str:
    """ASCII folder name: "Đối thoại quý I" → "doi-thoai-quy-i"."""
    flat = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(ch for ch in flat if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-") or "hoi-nghi"


def write_dossier(result: DossierResult, out_dir: Path) -> list[Path]:
    """Write ``out_dir/<id>-<slug>/01-truoc|02-trong|03-sau/…``; returns the paths written."""
    written = []
    for item in result.files:
        target = out_dir / result.folder / item.folder / item.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.data)
        written.append(target)
    return written


class Dossiers:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def _role_allows(self, actor_id: int | None, action: Action) -> bool:
        if actor_id is None:  # the CLI: whoever runs it already holds the database
            return True
        async with self.s.store.read() as uow:
            member = await uow.staff.get(actor_id)
        return member is not None and member.active and can(member.role, action)

    async def build(self, session_id: int, *, actor_id: int | None) -> DossierResult:
        if not await self._role_allows(actor_id, Action.VIEW_REPORTS):
            return DossierResult(DossierOutcome.NOT_ALLOWED)
        async with self.s.store.read() as uow:
            session = await uow.sessions.get(session_id)
            if session is None:
                return DossierResult(DossierOutcome.NOT_FOUND)
            data = DossierData(
                session=session,
                registrations=await uow.sessions.registrations(session_id),
                rows=list(await uow.reports.petition_rows(PetitionFilter(session_id=session_id))),
                minutes=await uow.reports.minutes(session_id),
                notice=await uow.conclusions.get(session_id),
                made_at=self.s.clock.now(),
            )
        files = await asyncio.to_thread(DossierWriter(self.s, data).files)
        if actor_id is not None:
            async with self.s.store.transaction() as uow:
                await audit(
                    uow,
                    self.s,
                    actor_id=actor_id,
                    action="dossier.exported",
                    subject_type="session",
                    subject_id=session_id,
                    files=len(files),
                )
        return DossierResult(
            DossierOutcome.DONE, f"{session.id}-{slug(session.title)}", tuple(files), session.title
        )

    async def begin_minutes(self, actor_id: int, session_id: int) -> DossierResult:
        """Ask the secretary to type the minutes (biên bản) of the session."""
        if not await self._role_allows(actor_id, Action.MANAGE_SESSIONS):
            return DossierResult(DossierOutcome.NOT_ALLOWED)
        async with self.s.store.transaction() as uow:
            session = await uow.sessions.get(session_id)
            if session is None:
                return DossierResult(DossierOutcome.NOT_FOUND)
            await uow.chat_states.put(
                ChatState(actor_id, FLOW, "text", {"session_id": session_id}, self.s.clock.now())
            )
        return DossierResult(DossierOutcome.DONE, session_title=session.title)

    async def save_minutes(self, actor_id: int, session_id: int, text: str) -> DossierResult:
        cleaned = clean_text(text)
        if not cleaned:
            return DossierResult(DossierOutcome.EMPTY)
        if len(cleaned) > MINUTES_MAX:
            return DossierResult(DossierOutcome.TOO_LONG)
        if not await self._role_allows(actor_id, Action.MANAGE_SESSIONS):
            async with self.s.store.transaction() as uow:
                await uow.chat_states.clear(actor_id)
            return DossierResult(DossierOutcome.NOT_ALLOWED)
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            session = await uow.sessions.get(session_id)
            await uow.chat_states.clear(actor_id)
            if session is None:
                return DossierResult(DossierOutcome.NOT_FOUND)
            replaced = await uow.reports.minutes(session_id) is not None
            await uow.reports.save_minutes(Minutes(session_id, cleaned, now, actor_id))
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="session.minutes_saved",
                subject_type="session",
                subject_id=session_id,
                chars=len(cleaned),
                replaced=replaced,
            )
        return DossierResult(DossierOutcome.DONE, session_title=session.title)

    async def cancel_minutes(self, actor_id: int) -> None:
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(actor_id)
            if state is not None and state.flow == FLOW:
                await uow.chat_states.clear(actor_id)


class DossierWriter:
    """Renders the documents of one dossier (sync: runs in a worker thread)."""

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

    def files(self) -> list[DossierFile]:
        before, during, after = (
            label("dossier.folder_before"),
            label("dossier.folder_during"),
            label("dossier.folder_after"),
        )
        staff_sheet = petition_sheets(self.s, self.d.rows, public=False)
        public_sheet = petition_sheets(self.s, self.d.rows, public=True)
        return [
            DossierFile(before, label("dossier.plan_file"), docx_bytes(self.plan())),
            DossierFile(before, label("dossier.invitation_file"), docx_bytes(self.invitation())),
            DossierFile(before, label("dossier.summary_file"), docx_bytes(self.summary(False))),
            DossierFile(
                before, label("dossier.summary_public_file"), docx_bytes(self.summary(True))
            ),
            DossierFile(before, label("dossier.summary_xlsx"), xlsx_bytes(staff_sheet)),
            DossierFile(before, label("dossier.summary_public_xlsx"), xlsx_bytes(public_sheet)),
            DossierFile(before, label("dossier.assignment_file"), docx_bytes(self.assignment())),
            DossierFile(during, label("dossier.programme_file"), docx_bytes(self.programme())),
            DossierFile(during, label("dossier.minutes_file"), docx_bytes(self.minutes())),
            DossierFile(during, label("dossier.attendees_file"), docx_bytes(self.attendees())),
            DossierFile(
                during, label("dossier.attendees_xlsx"), xlsx_bytes(self.attendee_sheets())
            ),
            DossierFile(after, label("dossier.conclusion_file"), docx_bytes(self.conclusion())),
            DossierFile(after, label("dossier.unit_reports_file"), docx_bytes(self.unit_reports())),
            DossierFile(after, label("dossier.open_items_file"), docx_bytes(self.open_items())),
            DossierFile(after, label("dossier.higher_file"), docx_bytes(self.higher())),
        ]

    # --- before ------------------------------------------------------------------------------

    def plan(self) -> AdminDocument:
        s = self.d.session
        doc = self._doc(
            label("dossier.plan_kind"), label("dossier.plan_subject", title=s.title), "KH-UBND"
        )
        details = [
            ("row_title", s.title),
            ("row_kind", label(f"sessions.kind.{s.kind.value}")),
            ("row_form", label(f"sessions.form.{s.form.value}")),
            ("row_host", host_text(s)),
            ("row_deputy", s.deputy or ""),
            ("row_time", self.when),
            ("row_venue", s.venue),
            ("row_link", s.link or ""),
            ("row_audience", audience_text(self.s, s)),
            ("row_capacity", str(s.capacity) if s.capacity else ""),
            ("row_deadline", self._time(s.opinion_deadline) if s.opinion_deadline else ""),
            ("row_status", label(f"sessions.status.{s.status.value}")),
        ]
        rows = [[label(f"dossier.{k}"), v] for k, v in details if v]
        return doc.add(
            Paragraph(label("dossier.plan_intro", ward=in_sentence(self.s.ward.ward.name))),
            Heading(label("dossier.plan_h_details")),
            Table([label("dossier.field"), label("dossier.value")], rows, (5.0, 11.0)),
            Heading(label("dossier.plan_h_prepare")),
            Paragraph(label("dossier.plan_prepare")),
        )

    def invitation(self) -> AdminDocument:
        s = self.d.session
        doc = self._doc(
            label("dossier.invitation_kind"),
            label("dossier.invitation_subject", title=s.title),
            "GM-UBND",
        )
        doc.add(
            Paragraph(
                label(
                    "dossier.invitation_text",
                    ward=in_sentence(self.s.ward.ward.name),
                    audience=audience_text(self.s, s),
                    title=s.title,
                )
            ),
            Paragraph(label("dossier.invitation_time", time=self.when)),
        )
        if s.venue:
            doc.add(Paragraph(label("dossier.invitation_venue", venue=s.venue)))
        if s.link:
            doc.add(Paragraph(label("dossier.invitation_link", link=s.link)))
        doc.add(
            Paragraph(label("dossier.invitation_host", host=host_text(s))),
            Paragraph(label("dossier.invitation_close")),
        )
        doc.recipients = [label("documents.to_attendees"), label("documents.to_archive")]
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

    def summary(self, public: bool) -> AdminDocument:
        doc = self._doc(
            label("dossier.summary_kind"),
            label("dossier.summary_subject", title=self.title),
            "BC-UBND",
        )
        doc.landscape = not public
        if public:
            doc.add(Paragraph(label("dossier.summary_public_note"), italic=True, indent=False))
        doc.add(Paragraph(label("dossier.summary_intro", count=len(self.d.rows))))
        n = 0
        for heading, rows in self._groups():
            doc.add(Heading(heading))
            if not rows:
                doc.add(Paragraph(label("documents.none")))
                continue
            body = []
            for row in rows:
                n += 1
                body.append(public_row(self.s, n, row) if public else staff_row(self.s, n, row))
            if public:
                doc.add(Table(public_headers(), body, (1.0, 4.0, 2.5, 3.0, 2.0, 2.5, 1.5)))
            else:
                doc.add(Table(staff_headers(), body, STAFF_WIDTHS_CM))
        doc.recipients.insert(2, label("documents.to_mttq"))
        return doc

    def assignment(self) -> AdminDocument:
        doc = self._doc(
            label("dossier.assignment_kind"),
            label("dossier.assignment_subject", title=self.title),
            "TB-UBND",
        )
        doc.add(Paragraph(label("dossier.assignment_intro")))
        assigned = [r for r in self.d.rows if r.handling and r.handling.unit_code]
        by_unit: dict[str, list[PetitionRow]] = {}
        for row in assigned:
            by_unit.setdefault(row.handling.unit_code or "", []).append(row)  # type: ignore[union-attr]
        if not by_unit:
            doc.add(Paragraph(label("documents.none")))
        for number, (code, rows) in enumerate(sorted(by_unit.items()), 1):
            doc.add(Heading(f"{number}. {unit_name(self.s, code)}"))
            doc.add(
                Table(
                    [
                        label(f"reports.col_{k}")
                        for k in ("no", "code", "field", "content", "deadline")
                    ],
                    [
                        [
                            str(i),
                            r.petition.code,
                            r.petition.field.label,
                            r.petition.content,
                            f"{r.handling.due_on:%d/%m/%Y}"
                            if r.handling and r.handling.due_on
                            else "",
                        ]
                        for i, r in enumerate(rows, 1)
                    ],
                    (1.0, 2.6, 3.0, 7.0, 2.4),
                )
            )
        doc.recipients.insert(0, label("documents.to_units"))
        return doc

    # --- during ------------------------------------------------------------------------------

    def _speakers(self) -> list[Registration]:
        return sorted(
            (
                r
                for r in self.d.registrations
                if r.status.active
                and r.status is not RegistrationStatus.WAITLISTED
                and r.speaks
                and r.speaking_position is not None
            ),
            key=lambda r: r.speaking_position or 0,
        )

    def _seated(self) -> list[Registration]:
        wanted = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)
        return [r for r in self.d.registrations if r.status in wanted]

    def programme(self) -> AdminDocument:
        doc = self._doc(
            label("dossier.programme_kind"),
            label("dossier.programme_subject", title=self.title),
            "CTr-UBND",
        )
        doc.add(Paragraph(label("dossier.invitation_time", time=self.when), indent=False))
        steps = labels("dossier.programme")
        for number, key in enumerate(sorted(steps, key=lambda k: int(k[1:])), 1):
            doc.add(Paragraph(f"{number}. {steps[key]}", indent=False))
        speakers = self._speakers()
        if speakers:
            doc.add(Heading(label("dossier.programme_speakers")))
            doc.add(
                Table(
                    [
                        label("dossier.col_position"),
                        label("dossier.col_name"),
                        label("dossier.col_topic"),
                    ],
                    [[str(r.speaking_position), self._who(r), r.topic or ""] for r in speakers],
                    (2.0, 5.5, 8.5),
                )
            )
        return doc

    def _who(self, reg: Registration) -> str:
        return reg.full_name or label("reports.raised_by_unknown")

    def minutes(self) -> AdminDocument:
        s = self.d.session
        doc = self._doc(
            label("dossier.minutes_kind"),
            label("dossier.minutes_subject", title=s.title),
            "BB-UBND",
        )
        seated = self._seated()
        doc.add(
            Paragraph(
                label(
                    "dossier.minutes_header",
                    time=self.when,
                    venue=s.venue or s.link or "",
                    host=host_text(s),
                    registered=len(seated),
                    attended=sum(1 for r in seated if r.status is RegistrationStatus.ATTENDED),
                    speakers=len(self._speakers()),
                )
            ),
            Heading(label("dossier.minutes_h_content")),
        )
        if self.d.minutes is None:
            doc.add(Paragraph(label("dossier.minutes_missing"), italic=True))
        else:
            doc.add(Paragraph(self.d.minutes.text))
            doc.add(
                Paragraph(
                    label("dossier.minutes_updated", at=self._time(self.d.minutes.updated_at)),
                    italic=True,
                    indent=False,
                )
            )
        doc.signer_caption = label("documents.presiding")
        doc.signer_title = ""
        doc.recipients = [label("documents.to_archive")]
        return doc

    def _attendee_rows(self) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:
        seated_h = [
            label("reports.col_no"),
            label("dossier.col_name"),
            label("dossier.col_presence"),
        ]
        seated = [
            [
                str(n),
                self._who(r),
                label("dossier.attended")
                if r.status is RegistrationStatus.ATTENDED
                else label("dossier.registered"),
            ]
            for n, r in enumerate(self._seated(), 1)
        ]
        speak_h = [
            label("dossier.col_position"),
            label("dossier.col_name"),
            label("dossier.col_topic"),
        ]
        speak = [[str(r.speaking_position), self._who(r), r.topic or ""] for r in self._speakers()]
        return seated_h, seated, speak_h, speak

    def attendees(self) -> AdminDocument:
        doc = self._doc(
            label("dossier.attendees_kind"),
            label("dossier.attendees_subject", title=self.title),
            "DS-UBND",
            secretary=True,
        )
        seated_h, seated, speak_h, speak = self._attendee_rows()
        doc.add(Heading(label("dossier.attendees_h_seated")))
        doc.add(
            Table(seated_h, seated, (1.5, 9.0, 5.5))
            if seated
            else Paragraph(label("documents.none"))
        )
        doc.add(Heading(label("dossier.attendees_h_speakers")))
        doc.add(
            Table(speak_h, speak, (2.0, 5.5, 8.5)) if speak else Paragraph(label("documents.none"))
        )
        doc.recipients = [label("documents.to_archive")]
        return doc

    def attendee_sheets(self) -> list[Sheet]:
        seated_h, seated, speak_h, speak = self._attendee_rows()
        return [
            Sheet(label("dossier.attendees_h_seated")[3:], seated_h, seated, (6, 36, 16)),
            Sheet(label("dossier.attendees_h_speakers")[4:31], speak_h, speak, (8, 36, 60)),
        ]

    # --- after -------------------------------------------------------------------------------

    def conclusion(self) -> AdminDocument:
        notice = self.d.notice
        doc = self._doc(
            label("dossier.conclusion_kind"),
            label("dossier.conclusion_subject", title=self.title),
            "TB-UBND",
        )
        if notice is None or notice.published_at is None:
            doc.add(Paragraph(label("dossier.conclusion_draft"), italic=True, indent=False))
        else:
            doc.add(
                Paragraph(
                    label("dossier.conclusion_published", at=self._time(notice.published_at)),
                    italic=True,
                    indent=False,
                )
            )
        if notice is not None and notice.free_text:
            doc.add(Paragraph(notice.free_text))
        n = 0
        for heading, rows in self._groups():
            if not rows:
                continue
            doc.add(Heading(heading))
            body = []
            for row in rows:
                n += 1
                body.append(public_row(self.s, n, row))
            doc.add(Table(public_headers(), body, (1.0, 4.0, 2.5, 3.0, 2.0, 2.5, 1.5)))
        doc.recipients = [
            label("documents.to_units"),
            label("documents.to_bxdd"),
            label("documents.to_mttq"),
            label("documents.to_archive"),
        ]
        return doc

    def unit_reports(self) -> AdminDocument:
        doc = self._doc(
            label("dossier.unit_reports_kind"),
            label("dossier.unit_reports_subject", title=self.title),
            "BC-UBND",
        )
        doc.add(Paragraph(label("dossier.unit_reports_intro")))
        by_unit: dict[str, list[PetitionRow]] = {}
        for row in self.d.rows:
            if row.handling and row.handling.unit_code:
                by_unit.setdefault(row.handling.unit_code, []).append(row)
        if not by_unit:
            doc.add(Paragraph(label("documents.none")))
        headers = [
            label(f"reports.col_{k}")
            for k in ("no", "code", "field", "answer", "deadline", "answered_at", "on_time")
        ]
        for number, (code, rows) in enumerate(sorted(by_unit.items()), 1):
            doc.add(Heading(f"{number}. {unit_name(self.s, code)}"))
            body = []
            for i, r in enumerate(rows, 1):
                h = r.handling
                assert h is not None
                on_time = (
                    ""
                    if h.answered_on_time is None
                    else label("documents.yes" if h.answered_on_time else "documents.no")
                )
                body.append(
                    [
                        str(i),
                        r.petition.code,
                        r.petition.field.label,
                        h.answer_text or label("dossier.reason_open"),
                        f"{h.due_on:%d/%m/%Y}" if h.due_on else "",
                        f"{h.answered_at.astimezone(self.tz):%d/%m/%Y}" if h.answered_at else "",
                        on_time,
                    ]
                )
            doc.add(Table(headers, body, (1.0, 2.6, 2.4, 5.4, 1.9, 1.9, 1.3)))
        return doc

    def open_items(self) -> AdminDocument:
        today = self.d.made_at.astimezone(self.tz).date()
        found = []
        for row in self.d.rows:
            h = row.handling
            reasons = []
            if h is None or h.outcome is None:
                reasons.append(label("dossier.reason_unclassified"))
            elif row.petition.status in UNIT_STATUSES:
                overdue = h.due_on is not None and h.due_on < today
                reasons.append(
                    label("dossier.reason_overdue" if overdue else "dossier.reason_open")
                )
            if h is not None and h.satisfied is False:
                reasons.append(label("dossier.reason_unsatisfied"))
            unsatisfied = h is not None and h.satisfied is False
            if (reasons and row.petition.status not in _SETTLED) or unsatisfied:
                found.append((row, "; ".join(reasons)))
        doc = self._doc(
            label("dossier.open_kind"), label("dossier.open_subject", title=self.title), "BC-UBND"
        )
        doc.add(Paragraph(label("dossier.open_intro", day=f"{today:%d/%m/%Y}", count=len(found))))
        if found:
            doc.add(
                Table(
                    [label(f"reports.col_{k}") for k in ("no", "petition", "unit", "deadline")]
                    + [label("dossier.col_reason")],
                    [
                        [
                            str(n),
                            public_label(r.petition),
                            resolving_unit(self.s, r),
                            f"{r.handling.due_on:%d/%m/%Y}"
                            if r.handling and r.handling.due_on
                            else "",
                            why,
                        ]
                        for n, (r, why) in enumerate(found, 1)
                    ],
                    (1.0, 5.0, 4.0, 2.2, 3.8),
                )
            )
        return doc

    def higher(self) -> AdminDocument:
        doc = self._doc(
            label("dossier.higher_kind"),
            label("dossier.higher_subject", title=self.title),
            "BC-UBND",
        )
        doc.add(Paragraph(label("dossier.higher_intro")))
        rows = [
            r for r in self.d.rows if r.handling and r.handling.outcome is Outcome.FORWARDED_HIGHER
        ]
        if not rows:
            doc.add(Paragraph(label("documents.none")))
        else:
            doc.add(
                Table(
                    [label(f"reports.col_{k}") for k in ("no", "code", "field", "content")]
                    + [label("dossier.col_note")],
                    [
                        [
                            str(n),
                            r.petition.code,
                            r.petition.field.label,
                            r.petition.content,
                            (r.handling.forward_note if r.handling else None) or "",
                        ]
                        for n, r in enumerate(rows, 1)
                    ],
                    (1.0, 2.6, 2.6, 5.8, 4.0),
                )
            )
        doc.recipients = [
            label("documents.to_city"),
            label("documents.to_party"),
            label("documents.to_archive"),
        ]
        return doc
