"""A secretary files a petition on a resident's behalf (letter, e-mail, culture house, MTTQ,
mass organisation, at the session), and the periodic digest of new petitions.

The steps and their presentation are shared with the resident flow (handlers/petitions.py).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.usecases.petitions import Petitions, run_digest
from handlers.common import ack, services
from handlers.petitions import present

DIGEST_INTERVAL_S = 60


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The staff menu's «Nhập ý kiến thay người dân»; a draft in progress resumes."""
    user = update.effective_user
    if user is None:
        return
    await ack(update)
    await present(update, context, await Petitions(services(context)).begin_on_behalf(user.id))


async def digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: the secretaries' digest of new petitions (tests call run_digest)."""
    await run_digest(services(context))


def schedule_digest(app: Application) -> None:
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            digest_job, interval=DIGEST_INTERVAL_S, first=DIGEST_INTERVAL_S, name="petition_digest"
        )
