"""The weekly "Ngày thứ Sáu nghe dân nói" (000 II.2): Friday mornings rotating over the
residential groups' culture houses, holidays skipped; published like any planned session."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.domain.ports import UnitOfWork
from bot.domain.sessions import AudienceScope, Host, Session, SessionForm, SessionKind
from bot.usecases.common import Services, audit
from bot.usecases.sessions._shared import Outcome, Result
from bot.usecases.sessions.planning import PlanningMixin
from messages import label

WEEKLY_START = time(7, 30)
WEEKLY_END = time(11, 0)
FRIDAY = 4


def weekly_fridays(services: Services, after: date, weeks: int) -> list[tuple[date, bool]]:
    """The next ``weeks`` Fridays after ``after``, each with whether it is a working day."""
    first = after + timedelta(days=(FRIDAY - after.weekday()) % 7 or 7)
    days = [first + timedelta(weeks=i) for i in range(weeks)]
    return [(d, services.calendar.is_working_day(d)) for d in days]


class WeeklyMixin(PlanningMixin):
    """Generate the coming weeks' sessions, idempotently, and publish them."""

    async def generate_weekly(
        self,
        actor_id: int | None,
        weeks: int,
        *,
        publish: bool = True,
        starts: time = WEEKLY_START,
        ends: time = WEEKLY_END,
    ) -> Result:
        """The next ``weeks`` Fridays' "Ngày thứ Sáu nghe dân nói", rotating over the groups in
        config order at each group's culture house. Fridays that are holidays are skipped (the
        group keeps its turn); weeks already generated are left alone, so it is idempotent."""
        now = self.s.clock.now()
        tz = self.tz
        groups = self.s.ward.groups
        created: list[Session] = []
        skipped: list[date] = []
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            last_code = await self._last_weekly_group(uow, now.astimezone(tz).date())
            for friday, working in weekly_fridays(self.s, now.astimezone(tz).date(), weeks):
                existing = await uow.sessions.by_planned_week(friday.isoformat())
                if existing is not None:
                    last_code = existing.group_codes[0] if existing.group_codes else last_code
                    continue
                if not working:
                    skipped.append(friday)
                    continue
                codes = [g.code for g in groups]
                index = (codes.index(last_code) + 1) % len(codes) if last_code in codes else 0
                group = groups[index]
                last_code = group.code
                session = Session(
                    title=label("sessions.weekly_title", group=group.name),
                    kind=SessionKind.WEEKLY,
                    starts_at=datetime.combine(friday, starts, tz),
                    ends_at=datetime.combine(friday, ends, tz),
                    host=Host.BOTH,
                    form=SessionForm.DIRECT,
                    venue=group.culture_house or group.name,
                    audience=AudienceScope.GROUPS,
                    group_codes=(group.code,),
                    planned_week=friday.isoformat(),
                    created_by=actor_id,
                    created_at=now,
                    updated_at=now,
                )
                await uow.sessions.add(session)
                await audit(
                    uow,
                    self.s,
                    actor_id=actor_id,
                    action="session.weekly_generated",
                    subject_type="session",
                    subject_id=session.id,
                    week=session.planned_week,
                    group=group.code,
                )
                if publish:
                    await self._publish(uow, actor_id, session, now)
                created.append(session)
        return Result(Outcome.CREATED, created=tuple(created), skipped_holidays=tuple(skipped))

    async def _last_weekly_group(self, uow: UnitOfWork, before: date) -> str | None:
        """The group of the latest weekly session planned before ``before``."""
        latest: Session | None = None
        for session in await uow.sessions.all():
            if session.planned_week and session.planned_week <= before.isoformat():
                latest = session
        return latest.group_codes[0] if latest and latest.group_codes else None
