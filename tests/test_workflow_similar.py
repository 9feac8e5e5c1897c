"""Ý kiến tương tự: the similarity search behind «🔁 Ý kiến tương tự» and grouping («🔗 Gộp»).

Pure: rapidfuzz over normalised text, the threshold, the top five. Through the use case:
staff only, a petition's own group is not offered again, and grouping a petition that is
already grouped brings its whole group along."""

from __future__ import annotations

import unicodedata

from bot.clock import ManualClock
from bot.domain.calendar import WorkingCalendar
from bot.domain.petitions import Channel, FieldOfConcern, Petition, normalise_text
from bot.domain.ward import WardConfig
from bot.domain.workflow import SIMILAR_LIMIT, SIMILAR_THRESHOLD
from bot.usecases.common import Services
from bot.usecases.staff import sync_from_config
from bot.usecases.workflow import Result, Workflow, find_similar
from storage.sqlite import SqliteStore
from tests.conftest import ADMIN_ID, OFFICIAL_ID, SECRETARY_ID, SUPERVISOR_ID

LAMP = "Đèn đường ngõ 12 Chí Linh bị hỏng đã hai tuần, đề nghị phường cho sửa gấp."
NEAR = (
    "ĐÈN ĐƯỜNG ngõ 12 Chí Linh bị hỏng đã hai tuần!!! Đề nghị phường cho sửa gấp",
    "Đèn đường ở ngõ 12 Chí Linh hỏng hai tuần rồi, đề nghị phường sửa gấp",
    "Ngõ 12 Chí Linh: đèn đường bị hỏng đã hai tuần, đề nghị phường cho sửa gấp.",
)
UNRELATED = (
    "Xin hỏi lịch thu gom rác mới của tổ dân phố 5",
    "Tranh chấp đất với hộ bên cạnh ở ngõ 8",
    "Vỉa hè phố Chí Linh bị lấn chiếm để bán hàng, đề nghị phường xử lý",
    "Cống thoát nước ngõ 12 bị tắc, đề nghị phường nạo vét",
)


def pool_of(*texts: str, first_id: int = 1) -> list[tuple[int, str, str]]:
    """As the repository gives it: (id, code, normalised text)."""
    return [(i, f"TD-2026-{i:04d}", normalise_text(text)) for i, text in enumerate(texts, first_id)]


def test_near_identical_found_unrelated_not() -> None:
    found = find_similar(LAMP, pool_of(*UNRELATED, *NEAR))
    assert {s.code for s in found} == {"TD-2026-0005", "TD-2026-0006", "TD-2026-0007"}
    assert all(s.score >= SIMILAR_THRESHOLD for s in found)
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_case_punctuation_and_unicode_composition_do_not_matter() -> None:
    decomposed = unicodedata.normalize("NFD", LAMP.upper().replace(",", " ;; "))
    assert decomposed != LAMP
    (only,) = find_similar(decomposed, pool_of(LAMP))
    assert only.score == 100 and only.petition_id == 1


def test_top_five_only() -> None:
    variants = [f"{LAMP} Lần {n}" for n in range(8)]
    found = find_similar(LAMP, pool_of(*variants))
    assert len(found) == SIMILAR_LIMIT == 5


def test_nothing_similar_and_empty_text() -> None:
    assert find_similar(LAMP, pool_of(*UNRELATED)) == []
    assert find_similar("!!!", pool_of(*NEAR)) == []
    assert find_similar(LAMP, []) == []


async def add(store: SqliteStore, clock: ManualClock, content: str, author: int) -> int:
    async with store.transaction() as uow:
        seq = await uow.petitions.next_sequence("TD", 2026)
        return await uow.petitions.add(
            Petition(
                code=f"TD-2026-{seq:04d}",
                content=content,
                field=FieldOfConcern.CONSTRUCTION,
                channel=Channel.TELEGRAM,
                created_at=clock.now(),
                author_id=author,
            )
        )


async def test_use_case_is_staff_only_and_skips_own_group(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    services = Services(store, clock, ward, WorkingCalendar())
    await sync_from_config(services)
    wf = Workflow(services)
    lead = await add(store, clock, LAMP, 7001)
    near = [await add(store, clock, text, 7002 + n) for n, text in enumerate(NEAR)]
    for text in UNRELATED:
        await add(store, clock, text, 7010)

    for outsider in (7001, OFFICIAL_ID, SUPERVISOR_ID):
        assert (await wf.similar(outsider, lead)).result is Result.NOT_ALLOWED
    for staff in (SECRETARY_ID, ADMIN_ID):
        change = await wf.similar(staff, lead)
        assert change.result is Result.DONE
        assert {s.petition_id for s in change.similar} == set(near)

    assert (await wf.group(SECRETARY_ID, lead, near[0])).result is Result.DONE
    again = await wf.similar(SECRETARY_ID, lead)
    assert {s.petition_id for s in again.similar} == set(near[1:])
    assert (await wf.group(SECRETARY_ID, lead, near[0])).result is Result.WRONG_STATE
    assert (await wf.group(OFFICIAL_ID, lead, near[1])).result is Result.NOT_ALLOWED


async def test_grouping_a_grouped_petition_brings_its_group(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    services = Services(store, clock, ward, WorkingCalendar())
    await sync_from_config(services)
    wf = Workflow(services)
    a, b, c, d = [await add(store, clock, text, 7100 + n) for n, text in enumerate((LAMP, *NEAR))]
    assert (await wf.group(SECRETARY_ID, c, d)).result is Result.DONE
    assert (await wf.group(SECRETARY_ID, a, b)).result is Result.DONE
    joined = await wf.group(SECRETARY_ID, a, c)
    assert {m.petition.id for m in joined.members} == {a, b, c, d}
    async with store.read() as uow:
        groups = {(await uow.workflow.handling(pid)).group_id for pid in (a, b, c, d)}  # type: ignore[union-attr]
        trail = await uow.audit.for_subject("petition", "TD-2026-0004")
    assert groups == {a}
    assert [e.action for e in trail] == ["petition.grouped", "petition.grouped"]
