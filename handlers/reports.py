"""/baocao and the staff menu's "📊 Báo cáo": pick a period, get the files; the session card's
"📁 Hồ sơ hội nghị" (the dossier as documents) and "📝 Biên bản" (the typed minutes).

Files are generated on demand and sent as the direct reply to the person's own press, so
nothing is stored or queued for them. The periodic monthly summary is a job in ``bot/jobs.py``.
"""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.people import ChatState
from bot.domain.permissions import Action, can
from bot.domain.reporting import Period, PeriodKind, month_of, parse_period, quarter_of
from bot.usecases.dossier import MINUTES_MAX, DossierOutcome, Dossiers
from bot.usecases.reports import Reports, period_text
from handlers.common import Rows, home_markup
from messages import label

PERIOD_PREFIX = "rp:"
DOSSIER_PREFIX = "ds:"


async def _role_allows(turn: Turn, action: Action) -> bool:
    async with turn.services.store.read() as uow:
        member = await uow.staff.get(turn.person_id)
    return member is not None and member.active and can(member.role, action)


def picker_rows(today_period: Period) -> Rows:
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


async def start(turn: Turn) -> None:
    """/baocao, or the staff menu entry: the period picker."""
    await turn.ack()
    if not await _role_allows(turn, Action.VIEW_REPORTS):
        await turn.reply("not_allowed")
        return
    today = Reports(turn.services).today()
    await turn.reply("report_pick_period", picker_rows(month_of(today)))


async def on_period(turn: Turn) -> None:
    if not await _role_allows(turn, Action.VIEW_REPORTS):
        await turn.ack("not_allowed")
        return
    period = parse_period(turn.payload.removeprefix(PERIOD_PREFIX))
    if period is None:
        await turn.ack("button_expired")
        return
    await turn.ack()
    text = period_text(period)
    await turn.reply("report_working", report_period=text)
    for item in await Reports(turn.services).files_for(period):
        await turn.send_file(
            item.data,
            item.name,
            "report_files",
            photo=item.mime == "image/png",
            report_period=text,
            report_file_name=item.name,
        )


# ----- the session card's dossier and minutes ---------------------------------------------


def _back_to_session(session_id: int) -> Rows:
    return [[(label("sessions.back"), f"sa:open:{session_id}")]]


async def on_dossier_button(turn: Turn) -> None:
    parts = turn.payload.removeprefix(DOSSIER_PREFIX).split(":")
    if len(parts) != 2 or parts[0] not in ("get", "min") or not parts[1].isdigit():
        await turn.ack("button_expired")
        return
    action, session_id = parts[0], int(parts[1])
    needed = Action.VIEW_REPORTS if action == "get" else Action.MANAGE_SESSIONS
    if not await _role_allows(turn, needed):
        await turn.ack("not_allowed")
        return
    await turn.ack()
    uc = Dossiers(turn.services)
    if action == "min":
        started = await uc.begin_minutes(turn.person_id, session_id)
        if started.outcome is DossierOutcome.DONE:
            await turn.reply("dossier_minutes_ask", dossier_title=started.session_title)
        elif started.outcome is DossierOutcome.NOT_ALLOWED:
            await turn.reply("not_allowed")
        else:
            await turn.reply("dossier_not_found", home_markup())
        return
    async with turn.services.store.read() as uow:
        session = await uow.sessions.get(session_id)
    if session is None:
        await turn.reply("dossier_not_found", home_markup())
        return
    await turn.reply("dossier_working", dossier_title=session.title)
    result = await uc.build(session_id, actor_id=turn.person_id)
    if result.outcome is DossierOutcome.NOT_ALLOWED:
        await turn.reply("not_allowed")
        return
    if result.outcome is not DossierOutcome.DONE:
        await turn.reply("dossier_not_found", home_markup())
        return
    for item in result.files:
        await turn.send_file(
            item.data,
            f"{item.folder}_{item.name}",
            "dossier_file",
            dossier_path=f"{result.folder}/{item.path}",
        )
    await turn.reply(
        "dossier_sent",
        _back_to_session(session_id),
        dossier_count=len(result.files),
        dossier_title=result.session_title,
    )


async def on_text(turn: Turn, state: ChatState) -> None:
    """The minutes (biên bản) typed by the secretary."""
    if turn.event.text is None:
        return
    session_id = int(state.data.get("session_id", 0))
    result = await Dossiers(turn.services).save_minutes(turn.person_id, session_id, turn.text)
    match result.outcome:
        case DossierOutcome.DONE:
            await turn.reply(
                "dossier_minutes_saved",
                _back_to_session(session_id),
                dossier_title=result.session_title,
            )
        case DossierOutcome.EMPTY:
            await turn.reply("dossier_minutes_empty")
        case DossierOutcome.TOO_LONG:
            await turn.reply("dossier_minutes_too_long", report_limit=MINUTES_MAX)
        case DossierOutcome.NOT_ALLOWED:
            await turn.reply("not_allowed")
        case _:
            await turn.reply("dossier_not_found", home_markup())


def register(router: Router) -> None:
    router.command("baocao", start)
    router.button(PERIOD_PREFIX, on_period)
    router.button(DOSSIER_PREFIX, on_dossier_button)
