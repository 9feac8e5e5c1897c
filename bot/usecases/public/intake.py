"""A petition sent from the web form (or an Open311 client) by someone without a chat app:
the chat flow's rules — the complaint redirect, the content and address limits, the session's
opinion deadline, the duplicate check and the daily limit — then the tracking code.

The sender is identified by their phone: a phone account (never delivered to) points at one
person, so the daily limit and the duplicate check count per phone, the author's page opens
with the phone's last digits, and news about the petition that cannot reach them waits on the
secretary's paper list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.files import stored_media
from bot.domain.people import PHONE_CHANNEL, Consent, Resident
from bot.domain.petitions import (
    ADDRESS_MAX,
    CONTENT_MAX,
    DUPLICATE_WINDOW,
    Attachment,
    AttachmentKind,
    Channel,
    EventKind,
    FieldOfConcern,
    NextSteps,
    Petition,
    PetitionEvent,
    clean_text,
    tracking_code,
)
from bot.domain.sessions import Session
from bot.usecases.accounts import ensure_person
from bot.usecases.common import Services, audit
from bot.usecases.onboarding import clean_name, normalise_phone
from bot.usecases.petitions import Petitions
from bot.usecases.petitions._shared import is_open_for_opinions

PHOTOS_MAX = 3
PHOTO_BYTES_MAX = 5 * 1024 * 1024
_IMAGE_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}


class Problem(StrEnum):
    """Why a field was refused; the form shows the matching text next to it."""

    REQUIRED = "required"
    INVALID = "invalid"
    TOO_LONG = "too_long"
    TOO_MANY = "too_many"
    TOO_BIG = "too_big"
    NOT_IMAGE = "not_image"
    CLOSED = "closed"


class IntakeOutcome(StrEnum):
    FILED = "filed"
    INVALID = "invalid"
    COMPLAINT = "complaint"
    DUPLICATE = "duplicate"
    LIMIT_REACHED = "limit_reached"


@dataclass(frozen=True, slots=True)
class Photo:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class WebPetition:
    """The form as typed; ``session`` is a session id or "weekly" (Ngày thứ Sáu nghe dân nói)."""

    kind: str = ""
    name: str = ""
    phone: str = ""
    group: str = ""
    field: str = ""
    session: str = ""
    content: str = ""
    address: str = ""
    consent: bool = False
    content_public: bool = False
    named_publicly: bool = False
    photos: tuple[Photo, ...] = ()
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class IntakeResult:
    outcome: IntakeOutcome
    problems: dict[str, Problem] = field(default_factory=dict)
    petition: Petition | None = None
    session: Session | None = None
    next_steps: NextSteps | None = None
    limit: int = 0


def _photo_problem(photo: Photo) -> Problem | None:
    if len(photo.data) > PHOTO_BYTES_MAX:
        return Problem.TOO_BIG
    magic = _IMAGE_MAGIC.get(photo.content_type)
    if magic is None or not photo.data.startswith(magic):
        return Problem.NOT_IMAGE
    if photo.content_type == "image/webp" and photo.data[8:12] != b"WEBP":
        return Problem.NOT_IMAGE
    return None


class WebIntake:
    def __init__(self, services: Services) -> None:
        self.s = services

    def check(self, form: WebPetition) -> dict[str, Problem]:
        """Every field's problem at once, so the form shows them all next to their fields."""
        problems: dict[str, Problem] = {}
        if form.kind not in ("opinion", "complaint"):
            problems["kind"] = Problem.REQUIRED
        if not form.name.strip():
            problems["name"] = Problem.REQUIRED
        elif clean_name(form.name) is None:
            problems["name"] = Problem.INVALID
        if not form.phone.strip():
            problems["phone"] = Problem.REQUIRED
        elif normalise_phone(form.phone) is None:
            problems["phone"] = Problem.INVALID
        if form.group and self.s.ward.group(form.group) is None:
            problems["group"] = Problem.INVALID
        if not form.field:
            problems["field"] = Problem.REQUIRED
        elif form.field not in {f.value for f in FieldOfConcern}:
            problems["field"] = Problem.INVALID
        if form.session != "weekly" and not form.session.isdigit():
            problems["session"] = Problem.REQUIRED
        content = clean_text(form.content)
        if not content:
            problems["content"] = Problem.REQUIRED
        elif len(content) > CONTENT_MAX:
            problems["content"] = Problem.TOO_LONG
        if len(form.address.strip()) > ADDRESS_MAX:
            problems["address"] = Problem.TOO_LONG
        if len(form.photos) > min(PHOTOS_MAX, self.s.ward.ward.petition_max_attachments):
            problems["photos"] = Problem.TOO_MANY
        for photo in form.photos:
            problem = _photo_problem(photo)
            if problem is not None:
                problems["photos"] = problem
                break
        if not form.consent:
            problems["consent"] = Problem.REQUIRED
        return problems

    async def submit(self, form: WebPetition, *, via: str = "web") -> IntakeResult:
        """File the petition, or say what to fix; a complaint is redirected, nothing kept.
        ``via`` names the source in the audit log (``web`` or ``open311:<client>``)."""
        if form.kind == "complaint":
            return IntakeResult(IntakeOutcome.COMPLAINT)
        problems = self.check(form)
        if problems:
            return IntakeResult(IntakeOutcome.INVALID, problems)
        now = self.s.clock.now()
        phone = normalise_phone(form.phone)
        name = clean_name(form.name)
        assert phone is not None and name is not None
        content = clean_text(form.content)
        ward = self.s.ward.ward
        async with self.s.store.transaction() as uow:
            session = None
            if form.session != "weekly":
                session = await uow.sessions.get(int(form.session))
                if session is None or not is_open_for_opinions(session, now):
                    return IntakeResult(IntakeOutcome.INVALID, {"session": Problem.CLOSED})
            person_id = await ensure_person(uow, PHONE_CHANNEL, phone, now, inbound=False)
            existing = await uow.petitions.duplicate_of(person_id, content, now - DUPLICATE_WINDOW)
            if existing is not None:
                return IntakeResult(IntakeOutcome.DUPLICATE, petition=existing)
            filed = await uow.petitions.count_by_author_since(person_id, self._start_of_day(now))
            if filed >= ward.petition_daily_limit:
                return IntakeResult(IntakeOutcome.LIMIT_REACHED, limit=ward.petition_daily_limit)
            resident = await uow.residents.get(person_id)
            if resident is None:
                resident = Resident(person_id=person_id, created_at=now)
            if resident.consent is not Consent.GIVEN:
                resident.consent, resident.consent_at = Consent.GIVEN, now
            resident.full_name = name
            resident.phone = phone
            resident.group_code = form.group or resident.group_code
            resident.updated_at = now
            await uow.residents.save(resident)
            attachments = []
            for photo in form.photos:
                file_id = await uow.files.add(
                    name=photo.name or "anh", mime_type=photo.content_type, data=photo.data, now=now
                )
                attachments.append(Attachment(AttachmentKind.PHOTO, stored_media(file_id)))
            year = now.astimezone(self.s.ward.tz).year
            seq = await uow.petitions.next_sequence(ward.code, year)
            petition = Petition(
                code=tracking_code(ward.code, year, seq),
                content=content,
                field=FieldOfConcern(form.field),
                channel=Channel.WEB,
                created_at=now,
                author_id=person_id,
                session_id=session.id if session else None,
                concerns_address=form.address.strip() or None,
                latitude=form.latitude,
                longitude=form.longitude,
                attachments=tuple(attachments),
                named_publicly=form.named_publicly,
                content_public=form.content_public,
            )
            petition_id = await uow.petitions.add(petition)
            await uow.petitions.add_event(
                PetitionEvent(
                    petition_id=petition_id,
                    kind=EventKind.RECEIVED,
                    at=now,
                    actor_id=person_id,
                    details={"channel": Channel.WEB.value},
                )
            )
            await audit(
                uow,
                self.s,
                actor_id=person_id,
                action="petition.filed",
                subject_type="petition",
                subject_id=petition.code,
                channel=Channel.WEB.value,
                via=via,
                field=petition.field.value,
                session_id=petition.session_id,
                attachments=len(attachments),
                content_public=petition.content_public,
            )
        return IntakeResult(
            IntakeOutcome.FILED,
            petition=petition,
            session=session,
            next_steps=Petitions(self.s).next_steps(session),
        )

    async def open_sessions(self) -> list[Session]:
        """The sessions the form offers besides the weekly programme."""
        async with self.s.store.read() as uow:
            return list(await uow.sessions.open_for_opinions(self.s.clock.now()))

    def _start_of_day(self, now: datetime) -> datetime:
        local = now.astimezone(self.s.ward.tz)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
