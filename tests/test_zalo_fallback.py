"""Outside Zalo's 7-day window: transactional news goes as the ward's OA template message, else a
ZNS to the person's phone (``84…``, params cut to the template's lengths), else Telegram, else on
the secretary's paper list; a mass notice never goes paid. The real delivery worker with the Zalo
sender and its fallback, over HTTP against the fake Zalo OA server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.fallback import WindowFallback, shorten, zns_phone
from bot.channels.zalo.sender import ZaloSender
from bot.clock import ManualClock
from bot.domain.news import NEWS_FACTS
from bot.domain.people import Account, Consent, Resident, Role
from bot.domain.ward import ConfigError, WardConfig, ZaloSettings, load_ward_config
from bot.fakes.zalo import FakeZaloServer, ZaloUser
from bot.outbox.news import news_of
from bot.outbox.queue import OutboxMessage, Priority, Status, enqueue
from bot.outbox.worker import DeliveryWorker
from bot.usecases.accounts import ensure_person
from bot.usecases.common import Services
from bot.usecases.paper import OnPaper, PaperOutcome
from bot.usecases.staff import sync_from_config
from storage.sqlite import SqliteStore
from tests.conftest import ROOT
from tests.outbox_helpers import FAST, ScriptedSender, eventually
from tests.zalo_helpers import config

UNIT = "Phòng Kinh tế, Hạ tầng và Đô thị"
OA_ONLY = {"template_id": "318745", "kind": "oa", "params": {"ma": "petition_code"}}
ZNS_ONLY = {
    "template_id": "258741",
    "kind": "zns",
    "params": {"ma_y_kien": "petition_code", "tinh_trang": "status", "don_vi": "unit"},
    "max_length": {"don_vi": 20},
}

Start = Callable[[ZaloSettings], Awaitable[DeliveryWorker]]


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer() as server:
        yield server


@pytest.fixture
async def start(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> AsyncIterator[Start]:
    """Starts the Zalo worker with the given templates (the ward's, or a test's own)."""
    workers: list[DeliveryWorker] = []
    async with aiohttp.ClientSession() as session:
        client = ZaloClient(session, config(zalo), store, clock)
        pair = zalo.issue_tokens()
        assert await client.seed(str(pair["access_token"]), str(pair["refresh_token"]))

        async def started(settings: ZaloSettings) -> DeliveryWorker:
            fallback = WindowFallback(client, store, settings, ward.tz)
            worker = DeliveryWorker(
                store,
                clock,
                ZaloSender(client),
                FAST,
                rng=lambda: 1.0,
                channel="zalo",
                fallback=fallback,
            )
            await worker.start()
            workers.append(worker)
            return worker

        yield started
        for worker in workers:
            await worker.stop()


def templates(**events: Any) -> ZaloSettings:
    return ZaloSettings.model_validate({"templates": events})


async def silent_resident(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, phone: str | None
) -> tuple[ZaloUser, int]:
    """A resident on Zalo whose last message is 8 days old."""
    user = zalo.user()
    await user.send_text("Xin chào")
    user.last_interaction = zalo.now() - 8 * 86400
    now = clock.now()
    async with store.transaction() as uow:
        person = await ensure_person(uow, "zalo", user.id, now, inbound=True)
        await uow.residents.save(
            Resident(person, Consent.GIVEN, now, "Lan", "TDP1", phone, now, created_at=now)
        )
    return user, person


async def news(
    store: SqliteStore,
    clock: ManualClock,
    person: int,
    key: str,
    *,
    priority: Priority = Priority.PERSONAL,
    unit: str = UNIT,
) -> None:
    """The resident's own news: their petition was assigned to a unit."""
    async with store.transaction() as uow:
        await enqueue(
            uow,
            now=clock.now(),
            event="workflow_resident_update",
            person_id=person,
            key=key,
            context={
                "code": "TD-2026-0042",
                "step_kind": "assigned",
                "unit_name": unit,
                "due_on": date(2026, 12, 4),
                "note": None,
                "tz": "Asia/Ho_Chi_Minh",
                "office": "Bộ phận tiếp công dân",
            },
            priority=priority,
        )


async def settled(store: SqliteStore, key: str) -> OutboxMessage:
    async def done() -> bool:
        async with store.read() as uow:
            row = await uow.outbox.by_key(key)
        return row is not None and row.status not in (Status.PENDING, Status.SENDING)

    await eventually(done, within=10, what=f"row {key} settled")
    async with store.read() as uow:
        row = await uow.outbox.by_key(key)
    assert row is not None
    return row


async def test_the_ward_oa_template_message_carries_the_news(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, ward: WardConfig, start: Start
) -> None:
    user, person = await silent_resident(zalo, store, clock, "0912345678")
    await start(ward.zalo)
    await news(store, clock, person, "a")
    row = await settled(store, "a")
    assert (row.status, row.delivered_channel) == (Status.SENT, "zalo_template")
    (sent,) = zalo.template_messages
    assert (sent.user_id, sent.template_id) == (user.id, "318745")
    assert sent.template_data == {
        "ma_y_kien": "TD-2026-0042",
        "tinh_trang": "Đã giao đơn vị giải quyết",
        "don_vi": UNIT,
    }
    assert zalo.zns == {}


async def test_a_refused_template_goes_on_as_a_zns_to_the_phone_in_84_form(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, ward: WardConfig, start: Start
) -> None:
    user, person = await silent_resident(zalo, store, clock, "0912345678")
    zalo.zns_template("258741", ma_y_kien=30, tinh_trang=60, don_vi=60)
    zalo.inject("message/template", user_id=user.id, error=-201)
    await start(ward.zalo)
    await news(store, clock, person, "b")
    row = await settled(store, "b")
    assert (row.status, row.delivered_channel) == (Status.SENT, "zns")
    (sms,) = zalo.zns_messages("84912345678")
    assert (sms.template_id, sms.tracking_id) == ("258741", str(row.id))
    assert sms.template_data["ma_y_kien"] == "TD-2026-0042"
    assert zalo.template_messages == [] and user.messages == []


async def test_zns_params_are_cut_at_a_word_to_the_template_length(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, start: Start
) -> None:
    _, person = await silent_resident(zalo, store, clock, "+84 912 345 678")
    zalo.zns_template("258741", ma_y_kien=30, tinh_trang=60, don_vi=20)
    await start(templates(workflow_resident_update=ZNS_ONLY))
    await news(store, clock, person, "c")
    row = await settled(store, "c")
    assert row.delivered_channel == "zns"
    (sms,) = zalo.zns_messages("84912345678")
    unit = sms.template_data["don_vi"]
    assert unit == "Phòng Kinh tế, Hạ…" and len(unit) <= 20
    assert UNIT.startswith(unit.removesuffix("…"))


async def test_zns_token_refused_with_124_is_refreshed_once_then_sent(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, start: Start
) -> None:
    _, person = await silent_resident(zalo, store, clock, "0912345678")
    zalo.inject("message/template", user_id="84912345678", error=-124)
    await start(templates(workflow_resident_update=ZNS_ONLY))
    await news(store, clock, person, "d")
    row = await settled(store, "d")
    assert (row.status, row.delivered_channel) == (Status.SENT, "zns")
    assert len(zalo.zns_messages("84912345678")) == 1
    assert len(zalo.token_requests) == 1
    assert any(code == -124 for _, code, _ in zalo.errors)


async def test_no_template_phone_or_quota_left_goes_to_telegram(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, start: Start
) -> None:
    _, person = await silent_resident(zalo, store, clock, "0912345678")
    async with store.transaction() as uow:
        await uow.accounts.link(Account("telegram", "777001", person, True, None, clock.now()))
    zalo.zns_daily_quota = 0
    telegram = ScriptedSender()
    on_telegram = DeliveryWorker(store, clock, telegram, FAST, rng=lambda: 1.0)
    await on_telegram.start()
    try:
        await start(templates(workflow_resident_update=ZNS_ONLY))
        async with store.transaction() as uow:
            # the person's Zalo account is their best one here, so the news starts on Zalo
            row_channel = (await uow.accounts.of_person(person))[0].channel
        assert row_channel == "zalo"
        await news(store, clock, person, "e")

        async def on_tg() -> bool:
            async with store.read() as uow:
                row = await uow.outbox.by_key("e")
            return row is not None and row.status is Status.SENT

        await eventually(on_tg, within=10, what="news delivered on Telegram")
    finally:
        await on_telegram.stop()
    row = await settled(store, "e")
    assert (row.channel, row.delivered_channel) == ("telegram", "telegram")
    assert [c.text for c in telegram.calls_to(777001)] == [row.content.text]
    assert any(code == -115 for _, code, _ in zalo.errors)


async def test_nothing_left_puts_the_news_on_the_paper_list(
    zalo: FakeZaloServer,
    store: SqliteStore,
    clock: ManualClock,
    ward: WardConfig,
    start: Start,
) -> None:
    _, person = await silent_resident(zalo, store, clock, None)
    zalo.inject("message/template", error=-201, times=5)
    await start(ward.zalo)
    await news(store, clock, person, "f")
    row = await settled(store, "f")
    assert row.status is Status.FAILED and row.undeliverable_at is not None
    assert (row.last_error or "").startswith("undeliverable")
    services = Services.for_ward(store, clock, ward)
    synced = await sync_from_config(services)
    secretary = next(r.person_id for r in synced if r.role is Role.SECRETARY)
    listed = await OnPaper(services).list(secretary)
    assert listed.outcome is PaperOutcome.DONE
    (entry,) = listed.entries
    assert (entry.name, entry.place, entry.subject) == (
        "Lan",
        "Tổ dân phố Chí Linh 1",
        "TD-2026-0042",
    )
    assert (await OnPaper(services).list(person)).outcome is PaperOutcome.NOT_ALLOWED
    async with store.read() as uow:
        audited = await uow.audit.for_subject("outbox", str(row.id))
    assert [e.action for e in audited] == ["outbox.undeliverable"]


async def test_a_mass_notice_never_goes_paid(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, ward: WardConfig, start: Start
) -> None:
    _, person = await silent_resident(zalo, store, clock, "0912345678")
    zalo.zns_template("258741", ma_y_kien=30, tinh_trang=60, don_vi=60)
    await start(ward.zalo)
    await news(store, clock, person, "g", priority=Priority.MASS)
    row = await settled(store, "g")
    assert row.status is Status.FAILED and row.facts is None
    assert row.undeliverable_at is None, "not on the paper list either"
    assert zalo.template_messages == [] and zalo.zns == {}


def test_phones_shortening_and_the_template_config() -> None:
    assert zns_phone("0912345678") == "84912345678"
    assert zns_phone("84912345678") == "84912345678"
    assert zns_phone("+84 912 345 678") == "84912345678"
    assert zns_phone(None) is None and zns_phone("12345") is None
    assert shorten("Tổ dân phố Chí Linh", 30) == "Tổ dân phố Chí Linh"
    assert shorten("Phòng Kinh tế, Hạ tầng và Đô thị", 12) == "Phòng Kinh…"


@pytest.mark.parametrize(
    ("table", "says"),
    [
        (
            '[zalo.templates.session_invitation]\ntemplate_id = "1"\nkind = "zns"\n'
            'params = { a = "session_title" }',
            "không phải tin giao dịch",
        ),
        (
            '[zalo.templates.session_changed]\ntemplate_id = "1"\nkind = "zns"\n'
            'params = { a = "petition_code" }',
            "dữ kiện không có: petition_code",
        ),
        (
            '[zalo.templates.session_changed]\ntemplate_id = "1"\nkind = "sms"\n'
            'params = { a = "session_title" }',
            "kind",
        ),
        (
            '[zalo.templates.session_changed]\ntemplate_id = "1"\nkind = "zns"\n'
            'params = { a = "session_title" }\nmax_length = { b = 5 }',
            "max_length",
        ),
    ],
)
def test_a_wrong_template_table_is_refused_at_load(tmp_path: Path, table: str, says: str) -> None:
    path = tmp_path / "ward.toml"
    example = (ROOT / "ward.example.toml").read_text("utf-8")
    path.write_text(example.split("\n[[zalo.templates.")[0] + "\n" + table + "\n", "utf-8")
    with pytest.raises(ConfigError) as error:
        load_ward_config(path)
    assert says in str(error.value)


NEWS_CONTEXTS: dict[str, dict[str, Any]] = {
    "workflow_resident_update": {"code": "TD-1", "step_kind": "accepted", "unit_name": UNIT},
    "conclusion_personal": {"petition_code": "TD-1", "session_title": "Ngày thứ Sáu"},
    "session_changed": {"card": {"id": 3, "title": "Ngày thứ Sáu"}, "registered": True},
    "session_cancelled": {"card": {"id": 3, "title": "Ngày thứ Sáu"}, "registered": True},
    "session_promoted": {"card": {"id": 3, "title": "Ngày thứ Sáu"}},
    "workflow_unit_alert": {"code": "TD-1", "field_label": "Môi trường", "due_on": None},
    "workflow_unit_extension_decided": {"code": "TD-1", "approved": True},
    "deadline_digest": {"deadline_items": [{"subject": "TD-1"}], "deadline_day": "04/12/2026"},
}


@pytest.mark.parametrize("event", sorted(NEWS_FACTS))
def test_each_news_event_stores_exactly_the_facts_its_templates_may_name(event: str) -> None:
    found = news_of(event, NEWS_CONTEXTS[event])
    assert found is not None and set(found.facts) == NEWS_FACTS[event]


def test_other_rows_carry_no_facts() -> None:
    assert news_of("session_invitation", {"card": {"id": 3}}) is None
    assert news_of("petition_digest", {}) is None
    unregistered = {"card": {"id": 3, "title": "Ngày thứ Sáu"}, "registered": False}
    assert news_of("session_changed", unregistered) is None
