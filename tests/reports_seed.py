"""Sample data for the dossier and report tests (and docs/samples/make_samples.py): one periodic
session with registrations, speakers, minutes, a published conclusion notice and petitions in
every group of seed 004 IV.1(3), plus a weekly-programme petition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.clock import ManualClock
from bot.domain.calendar import WorkingCalendar
from bot.domain.deadlines import ConclusionNotice
from bot.domain.people import Consent, Resident
from bot.domain.petitions import Channel, FieldOfConcern, OnBehalf, Petition, Status, tracking_code
from bot.domain.ports import Store
from bot.domain.reporting import Minutes
from bot.domain.sessions import (
    Host,
    Registration,
    RegistrationStatus,
    Session,
    SessionKind,
    SessionStatus,
)
from bot.domain.ward import WardConfig
from bot.domain.workflow import Handling, Outcome
from bot.usecases.accounts import ensure_person
from bot.usecases.common import Services

HN = ZoneInfo("Asia/Ho_Chi_Minh")
R1, R2, R3 = 700101, 700102, 700103
NAMES = {R1: "Trần Thị Lan", R2: "Lê Văn Hùng", R3: "Phạm Quốc Việt"}
ON_BEHALF = "Nguyễn Văn Dân"
MINUTES = (
    "Hội nghị khai mạc lúc 8 giờ 00.\n"
    "Bà Trần Thị Lan phản ánh đèn chiếu sáng ngõ 12 Chí Linh hỏng; đồng chí Chủ tịch UBND "
    "phường trả lời trực tiếp tại hội nghị.\n"
    "Hội nghị kết thúc lúc 10 giờ 45."
)
CONCLUSION = "Ghi nhận ý kiến bà con; giao các đơn vị giải quyết đúng hạn, báo cáo kết quả."


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HN).astimezone(UTC)


def services_for(store: Store, clock: ManualClock, ward: WardConfig) -> Services:
    return Services(store=store, clock=clock, ward=ward, calendar=WorkingCalendar())


@dataclass(frozen=True, slots=True)
class Seeded:
    session: Session
    petitions: dict[str, Petition]


async def seed(store: Store, clock: ManualClock) -> Seeded:
    """Everything as of Tuesday 01/12/2026 09:00 (the session was on Friday 20/11/2026)."""
    clock.set(local(2026, 11, 2, 9))
    now = clock.now()
    session = Session(
        title="Đối thoại định kỳ năm 2026 giữa người đứng đầu cấp ủy, chính quyền với Nhân dân",
        kind=SessionKind.PERIODIC,
        starts_at=local(2026, 11, 20, 8),
        ends_at=local(2026, 11, 20, 11),
        host=Host.BOTH,
        venue="Hội trường UBND phường Thành Đông, số 1 đường Thanh Niên",
        capacity=80,
        opinion_deadline=local(2026, 11, 13, 17),
        status=SessionStatus.PUBLISHED,
        created_at=now,
        updated_at=now,
        published_at=now,
    )
    petitions: dict[str, Petition] = {}
    async with store.transaction() as uow:
        session.id = await uow.sessions.add(session)
        for rid, name in NAMES.items():
            await ensure_person(uow, "telegram", str(rid), now, inbound=False)
            await uow.residents.save(
                Resident(
                    rid, Consent.GIVEN, now, name, "TDP1", None, now, created_at=now, updated_at=now
                )
            )
        for rid, status, topic, position in (
            (R1, RegistrationStatus.ATTENDED, "Đèn chiếu sáng ngõ 12 Chí Linh", 1),
            (R2, RegistrationStatus.REGISTERED, "Điểm tập kết rác ngõ 45", 2),
            (R3, RegistrationStatus.REGISTERED, None, None),
        ):
            await uow.sessions.save_registration(
                Registration(session.id, rid, status, now, now, topic is not None, topic, position)
            )
        specs = (
            (
                "a",
                R1,
                FieldOfConcern.CONSTRUCTION,
                "Đề nghị sửa đèn chiếu sáng ngõ 12 Chí Linh bị hỏng từ tháng 9.",
                session.id,
            ),
            (
                "b",
                R2,
                FieldOfConcern.ENVIRONMENT,
                "Điểm tập kết rác đầu ngõ 45 gây ô nhiễm, đề nghị di dời.",
                session.id,
            ),
            (
                "c",
                None,
                FieldOfConcern.COMPENSATION,
                "Đề nghị xem xét mức bồi thường giải phóng mặt bằng dự án mở rộng đường Thanh Niên",
                session.id,
            ),
            (
                "d",
                R1,
                FieldOfConcern.LAND,
                "Công trình số 8 Thanh Bình lấn chiếm vỉa hè, đề nghị kiểm tra xử lý.",
                session.id,
            ),
            (
                "e",
                R3,
                FieldOfConcern.OTHER,
                "Đề nghị lắp thêm ghế đá ở vườn hoa tổ dân phố.",
                session.id,
            ),
            (
                "w",
                R3,
                FieldOfConcern.PUBLIC_ORDER,
                "Tụ tập gây ồn ào sau 23 giờ tại ngõ 8 Thanh Bình.",
                None,
            ),
        )
        for seq, (key, author, field_, content, sid) in enumerate(specs, 1):
            petition = Petition(
                code=tracking_code("TD", 2026, seq),
                content=content,
                field=field_,
                channel=Channel.TELEGRAM if author else Channel.LETTER,
                created_at=local(2026, 11, 3 + seq, 10),
                author_id=author,
                on_behalf=None if author else OnBehalf(ON_BEHALF, "Số 3 ngõ 12", None, 900002),
                session_id=sid,
            )
            await uow.petitions.add(petition)
            petitions[key] = petition
        at = local(2026, 11, 20, 10)
        handlings = {
            "a": (
                Handling(
                    0,
                    at,
                    Outcome.ANSWERED_AT_SESSION,
                    answer_text="Đã giao sửa ngay trong tuần; đèn đã sáng lại.",
                    answered_at=at,
                ),
                Status.ANSWERED,
            ),
            "b": (Handling(0, at, Outcome.ASSIGNED, "KT", date(2026, 11, 30)), Status.ASSIGNED),
            "c": (
                Handling(
                    0, at, Outcome.FORWARDED_HIGHER, forward_note="Báo cáo UBND thành phố xem xét"
                ),
                Status.CLASSIFIED,
            ),
            "d": (
                Handling(
                    0,
                    at,
                    Outcome.ASSIGNED,
                    "KT",
                    date(2026, 11, 27),
                    answer_text="Đã kiểm tra, lập biên bản yêu cầu tháo dỡ phần lấn chiếm.",
                    answered_at=local(2026, 11, 26, 15),
                    answered_on_time=True,
                    satisfied=False,
                ),
                Status.ANSWERED,
            ),
            "w": (Handling(0, at, Outcome.ASSIGNED, "VHXH", date(2026, 11, 25)), Status.ASSIGNED),
        }
        for key, (handling, status) in handlings.items():
            handling.petition_id = petitions[key].id or 0
            await uow.workflow.save_handling(handling)
            await uow.workflow.set_status(handling.petition_id, status)
            petitions[key].status = status
        await uow.reports.save_minutes(Minutes(session.id, MINUTES, at, 900002))
        await uow.conclusions.save(
            ConclusionNotice(session.id, at, CONCLUSION, None, local(2026, 11, 23, 9), 900002)
        )
        await uow.surveys.invite(session.id, R1, at)
        await uow.surveys.answer(session.id, R1, score=4, now=local(2026, 11, 24, 9))
    clock.set(local(2026, 12, 1, 9))
    return Seeded(session, petitions)


async def seeded_services(
    store: Store, clock: ManualClock, ward: WardConfig
) -> tuple[Seeded, Services]:
    """The sample data plus the staff of ward.example.toml, as the bot syncs them at start."""
    from bot.usecases import staff as staff_uc

    seeded = await seed(store, clock)
    services = services_for(store, clock, ward)
    await staff_uc.sync_from_config(services)
    return seeded, services
