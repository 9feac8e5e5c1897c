"""People and accounts: who wrote, which account a message goes to, staff listed by any id."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.domain.calendar import WorkingCalendar
from bot.domain.people import PHONE_CHANNEL
from bot.domain.ward import Role, StaffMember, WardConfig
from bot.outbox.queue import Enqueued, Status, enqueue
from bot.usecases.accounts import person_for, staff_accounts
from bot.usecases.common import Services
from bot.usecases.staff import sync_from_config
from storage.sqlite import SqliteStore


def services(store: SqliteStore, clock: ManualClock, ward: WardConfig) -> Services:
    return Services(store, clock, ward, WorkingCalendar())


async def test_a_telegram_account_keeps_its_id_and_a_zalo_one_gets_a_new_person(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    s = services(store, clock, ward)
    assert await person_for(s, "telegram", "3001") == 3001
    zalo = await person_for(s, "zalo", "8437261509871234567")
    assert zalo not in {3001, 0}
    assert await person_for(s, "zalo", "8437261509871234567") == zalo
    fresh = services(store, clock, ward)
    assert await person_for(fresh, "zalo", "8437261509871234567") == zalo
    async with store.read() as uow:
        (account,) = await uow.accounts.of_person(zalo)
        audit = await uow.audit.for_subject("person", str(zalo))
    assert account.last_inbound_at == clock.now()
    assert [(e.action, e.details) for e in audit] == [("account.linked", {"channel": "zalo"})]


async def test_last_inbound_is_refreshed_at_most_every_ten_minutes(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    s = services(store, clock, ward)
    first = clock.now()
    await person_for(s, "telegram", "3002")
    clock.advance(timedelta(minutes=3))
    await person_for(s, "telegram", "3002")
    async with store.read() as uow:
        account = await uow.accounts.get("telegram", "3002")
    assert account is not None and account.last_inbound_at == first
    clock.advance(timedelta(minutes=8))
    await person_for(s, "telegram", "3002")
    async with store.read() as uow:
        account = await uow.accounts.get("telegram", "3002")
    assert account is not None and account.last_inbound_at == clock.now()


async def test_a_message_goes_to_the_account_the_person_wrote_from_last(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    s = services(store, clock, ward)
    person = await person_for(s, "telegram", "3003")
    async with store.transaction() as uow:
        from bot.domain.people import Account

        await uow.accounts.link(Account("zalo", "777", person, True, None, clock.now()))
    clock.advance(timedelta(minutes=20))
    await person_for(s, "zalo", "777")
    async with store.transaction() as uow:
        queued = await enqueue(
            uow, now=clock.now(), event="broadcast_stopping", person_id=person, key="k1"
        )
        row = await uow.outbox.by_key("k1")
        lost = await enqueue(
            uow, now=clock.now(), event="broadcast_stopping", person_id=424242, key="k2"
        )
        nowhere = await uow.outbox.by_key("k2")
    assert queued is Enqueued.QUEUED and row is not None
    assert (row.channel, row.address, row.person_id) == ("zalo", "777", person)
    assert lost is Enqueued.UNREACHABLE
    assert nowhere is not None and nowhere.status is Status.BLOCKED


async def test_staff_sync_links_every_listed_account_to_one_person(
    store: SqliteStore, clock: ManualClock, ward: WardConfig, tmp_path: Path
) -> None:
    members = [
        StaffMember(telegram_id=900002, full_name="Phạm Thu Hà", role=Role.SECRETARY),
        StaffMember(
            zalo_user_id="8437261509871234567",
            phone="+84 912 345 678",
            full_name="Lê Thị Hoa",
            role=Role.SUPERVISOR,
        ),
        StaffMember(phone="0987654321", full_name="Trần Văn Ba", role=Role.ADMIN),
    ]
    config = ward.model_copy(update={"staff": members})
    s = services(store, clock, config)
    first = await sync_from_config(s)
    again = await sync_from_config(s)
    assert [r.full_name for r in first] == ["Phạm Thu Hà", "Lê Thị Hoa", "Trần Văn Ba"]
    assert again == []
    async with store.read() as uow:
        hoa = await uow.accounts.get("zalo", "8437261509871234567")
        hoa_phone = await uow.accounts.get(PHONE_CHANNEL, "0912345678")
        ba = await uow.accounts.get(PHONE_CHANNEL, "0987654321")
        assert hoa is not None and hoa_phone is not None and ba is not None
        assert hoa.person_id == hoa_phone.person_id and not hoa_phone.reachable
        record = await uow.staff.get(hoa.person_id)
        ba_record = await uow.staff.get(ba.person_id)
        audit = await uow.audit.for_subject("staff", str(hoa.person_id))
    assert record is not None and record.role is Role.SUPERVISOR
    assert ba_record is not None and ba_record.role is Role.ADMIN
    assert [e.action for e in audit] == ["staff.synced_from_config"]
    assert await staff_accounts(s, "telegram") == ["900002"]
    assert await staff_accounts(s, "zalo") == ["8437261509871234567"]
    assert await person_for(s, "zalo", "8437261509871234567") == hoa.person_id
    async with store.transaction() as uow:
        queued = await enqueue(
            uow, now=clock.now(), event="broadcast_stopping", person_id=ba.person_id, key="b"
        )
    assert queued is Enqueued.UNREACHABLE
