"""The periodic jobs, whatever channels are on: each reads its state from the database when it
fires, so a restart loses and repeats nothing.

- the deadline scan (nhắc hạn, báo cáo vượt cấp): at start, then every minute;
- the session reminder scan: at start, then every ``SESSION_SCAN_INTERVAL`` seconds;
- the secretaries' digest of new petitions: every minute;
- the monthly summary and the city reports: every five minutes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.settings import Settings
from bot.usecases.common import Services
from bot.usecases.petitions import run_digest
from bot.usecases.reminders import Reminders
from bot.usecases.reports import Reports
from bot.usecases.sessions import Sessions

log = logging.getLogger(__name__)

DEADLINE_INTERVAL_S = 60.0
DIGEST_INTERVAL_S = 60.0
REPORT_INTERVAL_S = 300.0


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    interval: float
    first: float
    run: Callable[[], Awaitable[None]]


class Jobs:
    """Runs each job on its interval in the event loop; a failed run is logged and retried at
    the next interval."""

    def __init__(self, services: Services, settings: Settings) -> None:
        self._services = services
        self._settings = settings
        self._tasks: list[asyncio.Task[None]] = []

    def jobs(self) -> list[Job]:
        return [
            Job("deadline_scan", DEADLINE_INTERVAL_S, 0.0, self.deadline_scan),
            Job(
                "session_reminders",
                self._settings.session_scan_interval,
                0.0,
                self.session_reminders,
            ),
            Job("petition_digest", DIGEST_INTERVAL_S, DIGEST_INTERVAL_S, self.digest),
            Job("report_scan", REPORT_INTERVAL_S, REPORT_INTERVAL_S, self.reports),
        ]

    def start(self) -> None:
        for job in self.jobs():
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"job:{job.name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _loop(self, job: Job) -> None:
        await asyncio.sleep(job.first)
        while True:
            try:
                await job.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job %s failed; next try in %.0f s", job.name, job.interval)
            await asyncio.sleep(job.interval)

    async def deadline_scan(self) -> None:
        result = await Reminders(self._services).run_due()
        if result.messages or result.opened or result.closed:
            log.info(
                "deadline scan: %d reminded, %d escalated, %d messages, %d opened, %d closed",
                result.reminded,
                result.escalated,
                result.messages,
                result.opened,
                result.closed,
            )

    async def session_reminders(self) -> None:
        offsets = tuple(timedelta(hours=h) for h in self._settings.session_reminder_hours if h > 0)
        queued = await Sessions(self._services).run_due_reminders(offsets)
        if queued:
            log.info("queued %d session reminders", queued)

    async def digest(self) -> None:
        await run_digest(self._services)

    async def reports(self) -> None:
        sent = await Reports(self._services).run_due()
        if sent:
            log.info("reports: %d recipients queued", sent)
