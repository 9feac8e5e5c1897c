"""The sessions' scheduled work: the reminder scan, run at start and then every minute.

Reminders are computed from the database each time (bot.usecases.sessions.run_due_reminders),
so nothing is lost on restart and a session moved since the last scan gets fresh reminders.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import Application, ContextTypes

from bot.usecases.sessions import Sessions
from handlers.common import SERVICES_KEY

log = logging.getLogger(__name__)
JOB_NAME = "session_reminders"


async def scan(context: ContextTypes.DEFAULT_TYPE) -> None:
    app = context.application
    offsets = reminder_offsets(app)
    queued = await Sessions(app.bot_data[SERVICES_KEY]).run_due_reminders(offsets)
    if queued:
        log.info("queued %d session reminders", queued)


def reminder_offsets(app: Application) -> tuple[timedelta, ...]:
    hours = app.bot_data["wiring"].settings.session_reminder_hours
    return tuple(timedelta(hours=h) for h in hours if h > 0)


async def schedule_reminders(app: Application) -> None:
    """Remember the bot's username (the CLI needs it for deep links) and start the scan."""
    uc = Sessions(app.bot_data[SERVICES_KEY])
    if app.bot.username:
        await uc.remember_bot_username(app.bot.username)
    if app.job_queue is None:
        log.warning("no JobQueue: session reminders will not be sent")
        return
    interval = app.bot_data["wiring"].settings.session_scan_interval
    for job in app.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    app.job_queue.run_repeating(scan, interval=interval, first=0, name=JOB_NAME)
