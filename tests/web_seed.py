"""Seed data for the public web tests: residents with names and phones, petitions (some whose
author said no to «Công khai nội dung?», one filed on someone's behalf), their handling, a held
session with a published conclusion notice and a coming one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.domain.deadlines import ConclusionNotice
from bot.domain.people import Consent, Resident
from bot.domain.petitions import (
    Channel,
    EventKind,
    FieldOfConcern,
    OnBehalf,
    Petition,
    PetitionEvent,
    Status,
)
from bot.domain.sessions import Session, SessionKind, SessionStatus
from bot.domain.workflow import Handling, Outcome
from storage.sqlite import SqliteStore


@dataclass
class Seeded:
    names: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    """Texts of petitions whose authors did not agree to publish them."""
    shown: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)


async def seed(store: SqliteStore, now: datetime) -> Seeded:
    out = Seeded()
    people = [
        (71001, "Phạm Thị Hồng Nhung", "0987111222"),
        (71002, "Lê Quang Vĩnh", "0912333444"),
        (71003, "Đỗ Minh Khôi", "0903555666"),
    ]
    async with store.transaction() as uow:
        for pid, name, phone in people:
            await uow.accounts.new_person(now, wanted_id=pid)
            await uow.residents.save(
                Resident(
                    pid,
                    Consent.GIVEN,
                    now,
                    name,
                    "TDP1",
                    phone,
                    onboarded_at=now,
                    created_at=now,
                )
            )
            out.names.append(name)
            out.phones.append(phone)
        held = Session(
            title="Đối thoại quý IV về môi trường",
            kind=SessionKind.THEMATIC,
            starts_at=now - timedelta(days=5),
            venue="Nhà văn hóa tổ 1",
            status=SessionStatus.HELD,
            created_at=now,
            updated_at=now,
        )
        held_id = await uow.sessions.add(held)
        coming = Session(
            title="Ngày thứ Sáu nghe dân nói",
            kind=SessionKind.WEEKLY,
            starts_at=now + timedelta(days=2),
            venue="Hội trường UBND phường",
            latitude=21.03,
            longitude=105.85,
            status=SessionStatus.PUBLISHED,
            created_at=now,
            updated_at=now,
        )
        coming_id = await uow.sessions.add(coming)
        draft = Session(
            title="Buổi nháp chưa công bố",
            kind=SessionKind.URGENT,
            starts_at=now + timedelta(days=9),
            status=SessionStatus.DRAFT,
            created_at=now,
            updated_at=now,
        )
        draft_id = await uow.sessions.add(draft)
        out.session_ids = [held_id, coming_id, draft_id]
        out.names.append("Buổi nháp chưa công bố")
        rows = [
            (71001, "Đèn đường ngõ 12 hỏng đã ba tuần, buổi tối rất tối", True, Status.RESOLVED),
            (71001, "Nhà hàng xóm số 7 cơi nới lấn chiếm lối đi chung", False, Status.ASSIGNED),
            (71002, "Cống thoát nước phố Hàng Bông bốc mùi mỗi khi mưa", False, Status.ANSWERED),
            (71003, "Đề nghị thêm giờ tiếp dân buổi tối cho người đi làm", True, Status.RECEIVED),
        ]
        for n, (author, text, public, status) in enumerate(rows, start=1):
            code = f"TD-{now.year}-{await uow.petitions.next_sequence('TD', now.year):04d}"
            petition = Petition(
                code=code,
                content=text,
                field=FieldOfConcern.ENVIRONMENT if n % 2 else FieldOfConcern.CONSTRUCTION,
                channel=Channel.TELEGRAM,
                created_at=now - timedelta(days=10 - n),
                author_id=author,
                session_id=held_id if n <= 2 else None,
                concerns_address="Số 9 ngõ 12 Hàng Bông" if not public else None,
                status=status,
                content_public=public,
            )
            pid = await uow.petitions.add(petition)
            await uow.petitions.add_event(
                PetitionEvent(pid, EventKind.RECEIVED, petition.created_at, author, {})
            )
            (out.shown if public else out.hidden).append(text)
            out.codes.append(code)
            if status is not Status.RECEIVED:
                answered = status in (Status.ANSWERED, Status.RESOLVED)
                await uow.workflow.save_handling(
                    Handling(
                        pid,
                        now,
                        outcome=Outcome.ASSIGNED,
                        unit_code="KT",
                        due_on=date(now.year, now.month, 1) + timedelta(days=40),
                        answer_text="Phường đã giao đơn vị kiểm tra và khắc phục."
                        if answered
                        else None,
                        answered_at=now - timedelta(days=1) if answered else None,
                        answered_on_time=True if answered else None,
                        satisfied=True if status is Status.RESOLVED else None,
                    )
                )
                await uow.petitions.add_event(
                    PetitionEvent(
                        pid,
                        EventKind.ASSIGNED,
                        now - timedelta(days=2),
                        900002,
                        {"unit": "KT", "due": "2027-01-10", "note": "Gọi ông Vĩnh 0912333444"},
                    )
                )
        behalf = Petition(
            code=f"TD-{now.year}-{await uow.petitions.next_sequence('TD', now.year):04d}",
            content="Bà Tư ở ngõ chợ xin hỗ trợ sửa mái nhà dột",
            field=FieldOfConcern.SOCIETY,
            channel=Channel.LETTER,
            created_at=now - timedelta(days=1),
            on_behalf=OnBehalf("Trần Thị Tư", "Số 3 ngõ Chợ", "0978999000", 900002),
        )
        await uow.petitions.add(behalf)
        out.codes.append(behalf.code)
        out.names += ["Trần Thị Tư", "Số 3 ngõ Chợ"]
        out.phones.append("0978999000")
        out.hidden.append(behalf.content)
        out.hidden.append("Số 9 ngõ 12 Hàng Bông")
        await uow.conclusions.save(
            ConclusionNotice(
                held_id,
                now,
                free_text="Phường tiếp thu các ý kiến về môi trường.",
                published_at=now - timedelta(days=1),
                published_by=900002,
            )
        )
    return out
