"""What each period produces: the files on demand, and the periodic job that sends the
monthly summary and the reminders of the reports to the city once per period."""

from __future__ import annotations

from datetime import date, time

from bot.domain.files import stored_media
from bot.domain.ports import UnitOfWork
from bot.domain.reporting import (
    Period,
    PeriodKind,
    first_working_day,
    month_of,
    quarter_of,
    reminder_day,
)
from bot.domain.ward import Role
from bot.outbox.queue import ContentKind, enqueue
from bot.usecases.common import audit
from bot.usecases.reports._shared import ReportFile, period_text
from bot.usecases.reports.city import CityMixin
from bot.usecases.reports.monthly import MonthlyMixin

SEND_AT = time(8, 0)
MONTHLY_KIND = "monthly"
REMINDER_KIND = "city_reminder"
MONTHLY_EVENT = "report_monthly_summary"
CHART_EVENT = "report_monthly_chart"
FILE_EVENT = "report_monthly_file"
REMINDER_EVENT = "report_city_reminder"

#: A bot that was down on the first working day still sends within this many working days.
CATCH_UP_WORKING_DAYS = 2


class JobsMixin(MonthlyMixin, CityMixin):
    """Files for a period, and the once-per-period sends to secretaries and supervisors."""

    async def files_for(self, period: Period) -> list[ReportFile]:
        """What /baocao and ``python -m bot report`` produce for a period."""
        if period.kind is PeriodKind.MONTHLY:
            _, files = await self.monthly_files(period)
        else:
            _, files = await self.city_files(period)
        return files

    async def _recipients(self, uow: UnitOfWork) -> list[int]:
        staff = await uow.staff.list_active()
        wanted = (Role.SECRETARY, Role.SUPERVISOR)
        return sorted({m.person_id for m in staff if m.role in wanted})

    def _due_local(self) -> tuple[date, bool]:
        local = self.s.clock.now().astimezone(self.s.ward.tz)
        return local.date(), local.time() >= SEND_AT

    async def run_monthly_due(self) -> int:
        """From 08:00 on the first working day of a month (or within ``CATCH_UP_WORKING_DAYS``
        after it, if the bot was down), queue last month's summary once; returns the number of
        recipients (0: nothing was due or it already went out)."""
        today, after_opening = self._due_local()
        if not after_opening or not self.s.calendar.is_working_day(today):
            return 0
        current = month_of(today)
        first = first_working_day(current, self.s.calendar)
        if not first <= today <= self.s.calendar.add_working_days(first, CATCH_UP_WORKING_DAYS):
            return 0
        period = current.previous()
        async with self.s.store.read() as uow:
            if await uow.reports.has_run(MONTHLY_KIND, period.key):
                return 0
        figures, (chart, table) = await self.monthly_files(period)
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            people = await self._recipients(uow)
            if not await uow.reports.record_run(
                MONTHLY_KIND, period.key, at=now, recipients=len(people)
            ):
                return 0
            chart_id = await uow.files.add(
                name=chart.name, mime_type=chart.mime, data=chart.data, now=now
            )
            table_id = await uow.files.add(
                name=table.name, mime_type=table.mime, data=table.data, now=now
            )
            context = self.monthly_context(figures)
            for chat_id in people:
                key = f"report:monthly:{period.key}:{chat_id}"
                await enqueue(
                    uow, now=now, event=MONTHLY_EVENT, person_id=chat_id, key=key, context=context
                )
                await enqueue(
                    uow,
                    now=now,
                    event=CHART_EVENT,
                    person_id=chat_id,
                    key=f"{key}:chart",
                    context={"report_period": context["report_period"]},
                    kind=ContentKind.PHOTO,
                    media=stored_media(chart_id),
                )
                await enqueue(
                    uow,
                    now=now,
                    event=FILE_EVENT,
                    person_id=chat_id,
                    key=f"{key}:xlsx",
                    context={"report_period": context["report_period"]},
                    kind=ContentKind.DOCUMENT,
                    media=stored_media(table_id),
                )
            await audit(
                uow,
                self.s,
                actor_id=None,
                action="report.monthly_sent",
                subject_type="report",
                subject_id=f"{MONTHLY_KIND}:{period.key}",
                recipients=len(people),
                petitions=figures.received,
            )
        return len(people)

    def city_periods_due(self, today: date) -> list[Period]:
        """Reports to the city whose reminder day has come and whose due date has not passed."""
        candidates = [quarter_of(today), Period(PeriodKind.ANNUAL, today.year)]
        found = []
        for period in candidates:
            due = period.due_on()
            if due is not None and reminder_day(due, self.s.calendar) <= today < due:
                found.append(period)
        return found

    async def run_city_reminders_due(self) -> int:
        """Remind secretaries and supervisors once per report, ahead of its due date."""
        today, after_opening = self._due_local()
        if not after_opening or not self.s.calendar.is_working_day(today):
            return 0
        sent = 0
        now = self.s.clock.now()
        for period in self.city_periods_due(today):
            due = period.due_on()
            assert due is not None
            async with self.s.store.transaction() as uow:
                people = await self._recipients(uow)
                if not await uow.reports.record_run(
                    REMINDER_KIND, period.key, at=now, recipients=len(people)
                ):
                    continue
                for chat_id in people:
                    await enqueue(
                        uow,
                        now=now,
                        event=REMINDER_EVENT,
                        person_id=chat_id,
                        key=f"report:reminder:{period.key}:{chat_id}",
                        context={
                            "report_period": period_text(period),
                            "report_due": due,
                            "report_kind": period.kind.value,
                        },
                    )
                await audit(
                    uow,
                    self.s,
                    actor_id=None,
                    action="report.city_reminder_sent",
                    subject_type="report",
                    subject_id=f"{period.kind.value}:{period.key}",
                    recipients=len(people),
                    due=due.isoformat(),
                )
                sent += len(people)
        return sent

    async def run_due(self) -> int:
        """The periodic job: monthly summary and reminders of the reports to the city."""
        return await self.run_monthly_due() + await self.run_city_reminders_due()
