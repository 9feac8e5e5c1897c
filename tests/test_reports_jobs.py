"""The monthly summary fires from 08:00 on the first working day of the month — across the New
Year holiday (1/1/2027 is off, so January's goes out on Monday 4/1/2027) — exactly once, also
after a restart; the reminders of the reports to the city go out once, 5 working days ahead."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.clock import ManualClock
from bot.domain.reporting import Period, PeriodKind, first_working_day, parse_period, reminder_day
from bot.domain.ward import WardConfig
from bot.usecases.reports import Reports
from storage.sqlite import SqliteStore
from tests.conftest import SECRETARY_ID, SUPERVISOR_ID, reopen
from tests.reports_seed import local, seeded_services, services_for


async def rows(store: SqliteStore, event: str) -> list[tuple[int, str, str | None]]:
    async with store.read() as uow:
        found = await uow.conn.execute_fetchall(  # type: ignore[attr-defined]
            "SELECT person_id, idempotency_key, media FROM outbox WHERE event = ? ORDER BY id",
            (event,),
        )
    return [(int(r[0]), str(r[1]), r[2]) for r in found]


def test_periods_and_due_dates(ward: WardConfig, store: SqliteStore, clock: ManualClock) -> None:
    calendar = services_for(store, clock, ward).calendar
    january = Period(PeriodKind.MONTHLY, 2027, 1)
    assert first_working_day(january, calendar).isoformat() == "2027-01-04"
    assert january.previous().key == "2026-12"
    q4 = parse_period("2026-Q4")
    assert q4 is not None and q4.due_on() is not None
    assert (q4.start.isoformat(), q4.end.isoformat()) == ("2026-10-01", "2027-01-01")
    assert reminder_day(q4.due_on(), calendar).isoformat() == "2026-12-08"  # type: ignore[arg-type]
    annual = parse_period("2026")
    assert annual is not None and str(annual.due_on()) == "2026-11-15"
    assert parse_period("2026-13") is None and parse_period("nam ngoai") is None


async def test_monthly_summary_once_across_new_year(
    store: SqliteStore, clock: ManualClock, ward: WardConfig, tmp_path: object
) -> None:
    _, services = await seeded_services(store, clock, ward)
    reports = Reports(services)
    clock.set(local(2026, 12, 31, 9))  # December's summary went out on 1/12 (window over)
    assert await reports.run_monthly_due() == 0
    clock.set(local(2027, 1, 1, 9))  # New Year's Day: a holiday
    assert await reports.run_monthly_due() == 0
    clock.set(local(2027, 1, 2, 9))  # Saturday
    assert await reports.run_monthly_due() == 0
    clock.set(local(2027, 1, 4, 7, 59))  # first working day, before 08:00
    assert await reports.run_monthly_due() == 0
    clock.set(local(2027, 1, 4, 8, 0))
    assert await reports.run_monthly_due() == 2  # the secretary and the supervisor
    assert await reports.run_monthly_due() == 0
    summaries = await rows(store, "report_monthly_summary")
    assert {r[0] for r in summaries} == {SECRETARY_ID, SUPERVISOR_ID}
    assert all(r[1].startswith("report:monthly:2026-12:") for r in summaries)
    charts = await rows(store, "report_monthly_chart")
    files = await rows(store, "report_monthly_file")
    assert len(charts) == len(files) == 2 and all(r[2] for r in charts + files)

    # A restart: a new store connection and a new use case; nothing goes out twice.
    await store.close()
    reopened = await reopen(store)
    try:
        again = Reports(services_for(reopened, clock, ward))
        clock.set(local(2027, 1, 4, 8, 5))
        assert await again.run_due() == 0
        clock.set(local(2027, 1, 5, 9))
        assert await again.run_monthly_due() == 0
        async with reopened.read() as uow:
            trail = await uow.audit.for_subject("report", "monthly:2026-12")
            stored = await uow.files.get(int(str(files[0][2]).removeprefix("stored:")))
            chart = await uow.files.get(int(str(charts[0][2]).removeprefix("stored:")))
        assert len(trail) == 1 and stored is not None and chart is not None
        assert chart.data[:4] == b"\x89PNG"
        book = load_workbook(io.BytesIO(stored.data))
        assert book.sheetnames[:3] == ["Tổng hợp", "Theo lĩnh vực", "Theo trạng thái"]
    finally:
        await reopened.close()


async def test_monthly_figures_match_the_database(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    seeded, services = await seeded_services(store, clock, ward)
    figures = await Reports(services).monthly_figures(Period(PeriodKind.MONTHLY, 2026, 11))
    assert figures.received == len(seeded.petitions)
    assert dict(figures.by_field)["Môi trường"] == 1
    kt = next(u for u in figures.units if u.code == "KT")
    assert (kt.answered, kt.on_time, kt.percent, kt.open, kt.overdue) == (1, 1, 100, 1, 1)
    assert {o["code"] for o in figures.overdue} == {
        seeded.petitions["b"].code,
        seeded.petitions["w"].code,
    }
    assert figures.satisfaction.answered == 1 and figures.satisfaction.average == 4.0
    assert figures.satisfaction.not_satisfied == 1 and figures.sessions_held == 1


async def test_city_reminders_once_ahead_of_due_dates(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    _, services = await seeded_services(store, clock, ward)
    reports = Reports(services)
    clock.set(local(2026, 11, 6, 9))  # Friday: annual report due 15/11, reminder from 9/11
    assert await reports.run_city_reminders_due() == 0
    clock.set(local(2026, 11, 9, 9))
    assert await reports.run_city_reminders_due() == 2
    assert await reports.run_city_reminders_due() == 0
    clock.set(local(2026, 12, 7, 9))
    assert await reports.run_city_reminders_due() == 0
    clock.set(local(2026, 12, 8, 9))  # Q4 due 15/12: 5 working days before
    assert await reports.run_city_reminders_due() == 2
    clock.set(local(2026, 12, 9, 9))
    assert await reports.run_city_reminders_due() == 0
    keys = [r[1] for r in await rows(store, "report_city_reminder")]
    assert sorted({k.split(":")[2] for k in keys}) == ["2026", "2026-Q4"] and len(keys) == 4
