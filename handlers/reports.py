"""/baocao and the staff menu's "📊 Báo cáo": pick a period, get the files; the session card's
"📁 Hồ sơ hội nghị" (the dossier as documents) and "📝 Biên bản" (the typed minutes); the periodic
job that sends the monthly summary and the reminders of the reports to the city.

Files are generated on demand and sent as the direct reply to the person's own press, so
nothing is stored or queued for them; the periodic summary goes through the outbox.
"""

from __future__ import annotations

import logging

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.domain.people import ChatState
from bot.domain.permissions import Action, can
from bot.domain.reporting import Period, PeriodKind, month_of, parse_period, quarter_of
from bot.usecases.dossier import MINUTES_MAX, DossierOutcome, Dossiers
from bot.usecases.reports import Reports, period_text
from handlers.common import SERVICES_KEY, ack, buttons, home_markup, reply, services
from messages import label, render

log = logging.getLogger(__name__)
JOB_NAME = "report_scan"
INTERVAL_SECONDS = 300
PERIOD_PREFIX = "rp:"
DOSSIER_PREFIX = "ds:"


async def _role_allows(update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action) -> bool:
    user = update.effective_user
    if user is None:
        return False
    async with services(context).store.read() as uow:
        member = await uow.staff.get(user.id)
    return member is not None and member.active and can(member.role, action)


def picker_rows(today_period: Period) -> list[list[tuple[str, str]]]:
    """This month, last month, the quarters of the year so far, the year."""
    this_month = today_period
    year = this_month.year
    current_q = quarter_of(this_month.start)
    quarters = [Period(PeriodKind.QUARTERLY, year, q) for q in range(1, current_q.number + 1)]
    if current_q.number == 1:
        quarters.insert(0, current_q.previous())
    return [
        [
            (label("reports.picker.this_month"), f"{PERIOD_PREFIX}{this_month.key}"),
            (label("reports.picker.last_month"), f"{PERIOD_PREFIX}{this_month.previous().key}"),
        ],
        [
            (
                label("reports.picker.quarter", quarter=q.number, year=q.year),
                f"{PERIOD_PREFIX}{q.key}",
            )
            for q in quarters
        ],
        [(label("reports.picker.year", year=year), f"{PERIOD_PREFIX}{year}")],
        [(label("reports.picker.back"), "m:home")],
    ]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/baocao, or the staff menu entry: the period picker."""
    await ack(update)
    if not await _role_allows(update, context, Action.VIEW_REPORTS):
        await reply(update, "not_allowed")
        return
    today = Reports(services(context)).today()
    await reply(update, "report_pick_period", buttons(picker_rows(month_of(today))))


async def on_period(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if query is None or query.data is None or chat is None:
        return
    if not await _role_allows(update, context, Action.VIEW_REPORTS):
        await ack(update, "not_allowed")
        return
    period = parse_period(query.data.removeprefix(PERIOD_PREFIX))
    if period is None:
        await ack(update, "button_expired")
        return
    await ack(update)
    text = period_text(period)
    await reply(update, "report_working", report_period=text)
    for item in await Reports(services(context)).files_for(period):
        caption = render("report_files", report_period=text, report_file_name=item.name)
        if item.mime == "image/png":
            await chat.send_photo(InputFile(item.data, filename=item.name), caption=caption)
        else:
            await chat.send_document(InputFile(item.data, filename=item.name), caption=caption)


# ----- the session card's dossier and minutes ---------------------------------------------


async def on_dossier_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    chat = update.effective_chat
    if query is None or query.data is None or user is None or chat is None:
        return
    parts = query.data.removeprefix(DOSSIER_PREFIX).split(":")
    if len(parts) != 2 or parts[0] not in ("get", "min") or not parts[1].isdigit():
        await ack(update, "button_expired")
        return
    action, session_id = parts[0], int(parts[1])
    needed = Action.VIEW_REPORTS if action == "get" else Action.MANAGE_SESSIONS
    if not await _role_allows(update, context, needed):
        await ack(update, "not_allowed")
        return
    await ack(update)
    uc = Dossiers(services(context))
    if action == "min":
        started = await uc.begin_minutes(user.id, session_id)
        if started.outcome is DossierOutcome.DONE:
            await reply(update, "dossier_minutes_ask", dossier_title=started.session_title)
        elif started.outcome is DossierOutcome.NOT_ALLOWED:
            await reply(update, "not_allowed")
        else:
            await reply(update, "dossier_not_found", home_markup())
        return
    async with services(context).store.read() as uow:
        session = await uow.sessions.get(session_id)
    if session is None:
        await reply(update, "dossier_not_found", home_markup())
        return
    await reply(update, "dossier_working", dossier_title=session.title)
    result = await uc.build(session_id, actor_id=user.id)
    if result.outcome is DossierOutcome.NOT_ALLOWED:
        await reply(update, "not_allowed")
        return
    if result.outcome is not DossierOutcome.DONE:
        await reply(update, "dossier_not_found", home_markup())
        return
    for item in result.files:
        await chat.send_document(
            InputFile(item.data, filename=f"{item.folder}_{item.name}"),
            caption=render("dossier_file", dossier_path=f"{result.folder}/{item.path}"),
        )
    await reply(
        update,
        "dossier_sent",
        buttons([[(label("sessions.back"), f"sa:open:{session_id}")]]),
        dossier_count=len(result.files),
        dossier_title=result.session_title,
    )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    """The minutes (biên bản) typed by the secretary."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None or message.text is None:
        return
    session_id = int(state.data.get("session_id", 0))
    result = await Dossiers(services(context)).save_minutes(user.id, session_id, message.text)
    match result.outcome:
        case DossierOutcome.DONE:
            await reply(
                update,
                "dossier_minutes_saved",
                buttons([[(label("sessions.back"), f"sa:open:{session_id}")]]),
                dossier_title=result.session_title,
            )
        case DossierOutcome.EMPTY:
            await reply(update, "dossier_minutes_empty")
        case DossierOutcome.TOO_LONG:
            await reply(update, "dossier_minutes_too_long", report_limit=MINUTES_MAX)
        case DossierOutcome.NOT_ALLOWED:
            await reply(update, "not_allowed")
        case _:
            await reply(update, "dossier_not_found", home_markup())


# ----- the periodic job -------------------------------------------------------------------


async def scan(context: ContextTypes.DEFAULT_TYPE) -> None:
    sent = await Reports(context.application.bot_data[SERVICES_KEY]).run_due()
    if sent:
        log.info("reports: %d recipients queued", sent)


def schedule_report_scan(app: Application) -> None:
    """Every few minutes; the first look waits one interval so start-up stays quick."""
    if app.job_queue is None:
        log.warning("no JobQueue: the monthly summary will not be sent")
        return
    for job in app.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    app.job_queue.run_repeating(
        scan, interval=INTERVAL_SECONDS, first=INTERVAL_SECONDS, name=JOB_NAME
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("baocao", start))
    app.add_handler(CallbackQueryHandler(on_period, pattern=f"^{PERIOD_PREFIX}"))
    app.add_handler(CallbackQueryHandler(on_dossier_button, pattern=f"^{DOSSIER_PREFIX}"))
    schedule_report_scan(app)
