"""The deadline scan (nhắc hạn, báo cáo vượt cấp): run at start and then every minute.

The scan reads the ``deadlines`` rows each time (bot.usecases.reminders), so a restart loses
nothing; running it often costs one indexed query when nothing is due.
"""

from __future__ import annotations

import logging

from telegram.ext import Application, ContextTypes

from bot.usecases.reminders import Reminders
from handlers.common import SERVICES_KEY

log = logging.getLogger(__name__)
JOB_NAME = "deadline_scan"
INTERVAL_SECONDS = 60


async def scan(context: ContextTypes.DEFAULT_TYPE) -> None:
    result = await Reminders(context.application.bot_data[SERVICES_KEY]).run_due()
    if result.messages or result.opened or result.closed:
        log.info(
            "deadline scan: %d reminded, %d escalated, %d messages, %d opened, %d closed",
            result.reminded,
            result.escalated,
            result.messages,
            result.opened,
            result.closed,
        )


def schedule_deadline_scan(app: Application) -> None:
    if app.job_queue is None:
        log.warning("no JobQueue: deadline reminders will not be sent")
        return
    for job in app.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    app.job_queue.run_repeating(scan, interval=INTERVAL_SECONDS, first=0, name=JOB_NAME)
