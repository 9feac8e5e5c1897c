"""The storage contract, continued: the public pages' repository (list filters and order, the
figures, published conclusion notices) and the petition's «Công khai nội dung?» flag. Runs
against every adapter in ``tests.test_storage_contract.STORES``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.domain.deadlines import ConclusionNotice
from bot.domain.petitions import Channel, EventKind, FieldOfConcern, Petition, PetitionEvent, Status
from bot.domain.ports import Store
from bot.domain.public import PublicFilter
from bot.domain.workflow import Handling, Outcome
from tests.test_storage_contract import NOW, STORES


@pytest.fixture(params=sorted(STORES))
async def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with STORES[request.param](request, tmp_path) as store:
        yield store


async def _petition(store: Store, n: int, **fields: object) -> int:
    petition = Petition(
        code=f"TD-2026-{n:04d}",
        content=f"Nội dung {n}",
        field=FieldOfConcern.ENVIRONMENT,
        channel=Channel.WEB,
        created_at=NOW + timedelta(hours=n),
        author_id=1,
    )
    for key, value in fields.items():
        setattr(petition, key, value)
    async with store.transaction() as uow:
        return await uow.petitions.add(petition)


async def test_content_public_round_trips(any_store: Store) -> None:
    await _petition(any_store, 1, content_public=True)
    await _petition(any_store, 2)
    async with any_store.read() as uow:
        first = await uow.petitions.by_code("TD-2026-0001")
        second = await uow.petitions.by_code("TD-2026-0002")
    assert first is not None and first.content_public
    assert second is not None and not second.content_public


async def test_public_listing_filters_and_pages_newest_first(any_store: Store) -> None:
    ids = [
        await _petition(any_store, 1),
        await _petition(any_store, 2, field=FieldOfConcern.LAND),
        await _petition(any_store, 3, status=Status.ASSIGNED),
        await _petition(any_store, 4, created_at=NOW + timedelta(days=40)),
    ]
    async with any_store.transaction() as uow:
        await uow.workflow.save_handling(
            Handling(
                ids[2], NOW, outcome=Outcome.ASSIGNED, unit_code="KT", due_on=date(2026, 12, 9)
            )
        )
    async with any_store.read() as uow:
        every = await uow.public.listing(PublicFilter(), offset=0, limit=10)
        land = await uow.public.listing(PublicFilter(field=FieldOfConcern.LAND), offset=0, limit=10)
        assigned = await uow.public.listing(
            PublicFilter(status=Status.ASSIGNED), offset=0, limit=10
        )
        unit = await uow.public.listing(PublicFilter(unit_code="KT"), offset=0, limit=10)
        month = await uow.public.listing(
            PublicFilter(since=NOW, until=NOW + timedelta(days=30)), offset=0, limit=10
        )
        page2 = await uow.public.listing(PublicFilter(), offset=2, limit=2)
    assert [i.petition.code for i in every] == [f"TD-2026-{n:04d}" for n in (4, 3, 2, 1)]
    assert [i.petition.id for i in land] == [ids[1]]
    assert [i.petition.id for i in assigned] == [ids[2]]
    assert [i.petition.id for i in unit] == [ids[2]]
    assert unit[0].handling is not None and unit[0].handling.unit_code == "KT"
    assert [i.petition.id for i in month] == [ids[2], ids[1], ids[0]]
    assert [i.petition.id for i in page2] == [ids[1], ids[0]]
    async with any_store.read() as uow:
        one = await uow.public.item("TD-2026-0003")
        none = await uow.public.item("TD-2026-0099")
    assert one is not None and none is None
    item, events = one
    assert item.petition.id == ids[2] and events == []
    assert item.handling is not None and item.handling.due_on == date(2026, 12, 9)
    async with any_store.transaction() as uow:
        for kind, hours in ((EventKind.ASSIGNED, 2), (EventKind.RECEIVED, 1)):
            await uow.petitions.add_event(
                PetitionEvent(ids[2], kind, NOW + timedelta(hours=hours), 7, {"note": "ghi chú"})
            )
    async with any_store.read() as uow:
        again = await uow.public.item("TD-2026-0003")
        expected = await uow.petitions.events(ids[2])
    assert again is not None and list(again[1]) == list(expected)
    assert [e.kind for e in again[1]] == [EventKind.RECEIVED, EventKind.ASSIGNED]
    assert again[1][0].details == {"note": "ghi chú"} and again[1][0].actor_id == 7


async def test_public_figures_count_the_period_and_what_is_overdue_today(any_store: Store) -> None:
    a = await _petition(any_store, 1, status=Status.RESOLVED)
    b = await _petition(any_store, 2, status=Status.ASSIGNED, field=FieldOfConcern.LAND)
    c = await _petition(any_store, 3, status=Status.ANSWERED)
    await _petition(any_store, 4, created_at=NOW + timedelta(days=40))
    async with any_store.transaction() as uow:
        done = NOW + timedelta(days=1)
        await uow.workflow.save_handling(
            Handling(
                a,
                NOW,
                unit_code="KT",
                answered_at=done,
                answered_on_time=True,
                satisfied=True,
            )
        )
        await uow.workflow.save_handling(
            Handling(b, NOW, unit_code="KT", due_on=date(2026, 11, 30))
        )
        await uow.workflow.save_handling(
            Handling(
                c, NOW, unit_code="VP", answered_at=done, answered_on_time=False, satisfied=False
            )
        )
    async with any_store.read() as uow:
        figures = await uow.public.figures(NOW, NOW + timedelta(days=30), date(2026, 12, 1))
        earlier = await uow.public.figures(NOW, NOW + timedelta(days=30), date(2026, 11, 29))
    assert figures.received == 3
    assert (figures.answered, figures.on_time, figures.on_time_percent) == (2, 1, 50)
    assert figures.overdue == 1 and earlier.overdue == 0
    assert (figures.satisfied, figures.not_satisfied) == (1, 1)
    assert dict(figures.by_field) == {FieldOfConcern.ENVIRONMENT: 2, FieldOfConcern.LAND: 1}
    units = {u.unit_code: (u.assigned, u.answered, u.on_time) for u in figures.by_unit}
    assert units == {"KT": (2, 1, 1), "VP": (1, 1, 0)}


async def test_published_conclusions_newest_first(any_store: Store) -> None:
    async with any_store.transaction() as uow:
        await uow.conclusions.save(ConclusionNotice(1, NOW, published_at=NOW))
        await uow.conclusions.save(ConclusionNotice(2, NOW))
        await uow.conclusions.save(
            ConclusionNotice(3, NOW, free_text="x", published_at=NOW + timedelta(days=1))
        )
    async with any_store.read() as uow:
        found = await uow.public.published_conclusions(5)
        one = await uow.public.published_conclusions(1)
    assert [n.session_id for n in found] == [3, 1]
    assert [n.session_id for n in one] == [3] and one[0].free_text == "x"
