"""«Gửi ý kiến, kiến nghị»: the guided petition flow (residents, and secretaries on behalf).

Both flows share the steps and this presentation; the draft is in ``chat_states``, typed text
and media reach it through the conversation router. Button data: ``pe:<action>[:<value>]``;
a button from an older step is refused because the use case checks the step it belongs to.
"""

from __future__ import annotations

from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.domain.people import ChatState
from bot.domain.petitions import CONTENT_MAX, AttachmentKind, FieldOfConcern
from bot.usecases.onboarding import NAME_MAX
from bot.usecases.petitions import (
    FLOW,
    STAFF_CHANNELS,
    STAFF_FLOW,
    WEEKLY,
    Draft,
    Outcome,
    Petitions,
    Result,
    Step,
    records_at_session,
    step_number,
)
from handlers.common import (
    NO_PREVIEW,
    ack,
    buttons,
    home_markup,
    office,
    remove_buttons,
    reply,
    services,
)
from messages import label, render

PREFIX = "pe:"
Rows = list[list[tuple[str, str]]]


def _use_case(context: ContextTypes.DEFAULT_TYPE) -> Petitions:
    return Petitions(services(context))


def _nav(step: Step) -> list[tuple[str, str]]:
    return [
        (label("petitions.back"), f"{PREFIX}back:{step.value}"),
        (label("petitions.cancel"), PREFIX + "x"),
    ]


def _session_rows(result: Result, context: ContextTypes.DEFAULT_TYPE) -> Rows:
    tz = services(context).ward.tz
    rows: Rows = []
    for session in result.sessions:
        when = session.starts_at.astimezone(tz)
        title = session.title if len(session.title) <= 40 else session.title[:39] + "…"
        rows.append(
            [
                (
                    label("petitions.session_item", date=f"{when:%d/%m}", title=title),
                    f"{PREFIX}s:{session.id}",
                )
            ]
        )
    rows.append([(label("petitions.weekly"), f"{PREFIX}s:{WEEKLY}")])
    rows.append(_nav(Step.SESSION))
    return rows


def _sessions_context(result: Result, context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    return {
        "open_sessions": [
            {"title": s.title, "starts_at": s.starts_at, "deadline": s.opinion_deadline}
            for s in result.sessions
        ],
        "tz": services(context).ward.ward.timezone,
    }


def _field_rows() -> Rows:
    fields = list(FieldOfConcern)
    rows: Rows = [
        [(f.label, f"{PREFIX}f:{f.value}") for f in fields[i : i + 2]]
        for i in range(0, len(fields), 2)
    ]
    rows.append(_nav(Step.FIELD))
    return rows


def _confirm_rows(result: Result) -> Rows:
    draft = result.draft or Draft()
    rows: Rows = [
        [(label("petitions.submit"), PREFIX + "send")],
        [
            (label("petitions.edit_content"), f"{PREFIX}e:content"),
            (label("petitions.edit_field"), f"{PREFIX}e:field"),
        ],
        [
            (label("petitions.edit_session"), f"{PREFIX}e:session"),
            (label("petitions.edit_address"), f"{PREFIX}e:address"),
        ],
    ]
    if result.flow == FLOW:
        named = "petitions.named_yes" if draft.named_publicly else "petitions.named_no"
        rows.append([(label(named), PREFIX + "named")])
    rows.append(_nav(Step.CONFIRM))
    return rows


def _address_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(label("petitions.send_location"), request_location=True)],
            [KeyboardButton(label("petitions.skip_address"))],
            [KeyboardButton(label("petitions.back")), KeyboardButton(label("petitions.cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=False,
        input_field_placeholder=label("petitions.location_placeholder"),
    )


def _step_context(result: Result) -> dict[str, Any]:
    assert result.step is not None
    step, steps = step_number(result.flow, result.step)
    return {"step": step, "steps": steps, "on_behalf": result.flow == STAFF_FLOW}


def summary_context(result: Result, context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    draft = result.draft or Draft()
    session = result.session
    return {
        **_step_context(result),
        "name": draft.name or "",
        "person_address": draft.person_address or "",
        "phone": draft.phone,
        "channel_label": draft.channel.label if draft.channel else "",
        "session_title": session.title if session else None,
        "session_at": session.starts_at if session else None,
        "tz": services(context).ward.ward.timezone,
        "field_label": draft.field.label if draft.field else "",
        "place": draft.address,
        "has_location": draft.has_location,
        "files": len(draft.attachments),
        "content": draft.content,
        "named": draft.named_publicly,
    }


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE, result: Result) -> None:
    """The prompt of the step the draft is at."""
    draft = result.draft or Draft()
    limit = services(context).ward.ward.petition_max_attachments
    match result.step:
        case Step.KIND:
            await reply(
                update,
                "petition_ask_kind",
                buttons(
                    [
                        [(label("petitions.opinion"), PREFIX + "k:opinion")],
                        [(label("petitions.complaint"), PREFIX + "k:complaint")],
                        [(label("petitions.home"), f"{PREFIX}back:{Step.KIND.value}")],
                    ]
                ),
                **_step_context(result),
            )
        case Step.SESSION:
            await reply(
                update,
                "petition_ask_session_held"
                if records_at_session(result.flow, draft)
                else "petition_ask_session",
                buttons(_session_rows(result, context)),
                **_step_context(result),
                **_sessions_context(result, context),
            )
        case Step.FIELD:
            await reply(
                update, "petition_ask_field", buttons(_field_rows()), **_step_context(result)
            )
        case Step.CONTENT:
            await reply(
                update,
                "petition_ask_content",
                buttons([[(label("petitions.proceed"), PREFIX + "next")], _nav(Step.CONTENT)]),
                **_step_context(result),
                limit=CONTENT_MAX,
                max_files=limit,
                files=len(draft.attachments),
            )
        case Step.ADDRESS:
            markup: InlineKeyboardMarkup | ReplyKeyboardMarkup
            if result.flow == FLOW:
                markup = _address_keyboard()
            else:
                markup = buttons(
                    [
                        [(label("petitions.skip_address"), f"{PREFIX}skip:address")],
                        _nav(Step.ADDRESS),
                    ]
                )
            await reply(update, "petition_ask_address", markup, **_step_context(result))
        case Step.CONFIRM:
            await reply(
                update,
                "petition_summary",
                buttons(_confirm_rows(result)),
                **summary_context(result, context),
            )
        case Step.NAME:
            await reply(
                update,
                "petition_ask_name",
                buttons([_nav(Step.NAME)]),
                **_step_context(result),
            )
        case Step.PERSON_ADDRESS:
            await reply(
                update,
                "petition_ask_person_address",
                buttons([_nav(Step.PERSON_ADDRESS)]),
                **_step_context(result),
            )
        case Step.PHONE:
            await reply(
                update,
                "petition_ask_phone",
                buttons(
                    [[(label("petitions.skip_phone"), f"{PREFIX}skip:phone")], _nav(Step.PHONE)]
                ),
                **_step_context(result),
            )
        case Step.CHANNEL:
            rows: Rows = [[(c.label, f"{PREFIX}c:{c.value}")] for c in STAFF_CHANNELS]
            rows.append(_nav(Step.CHANNEL))
            await reply(update, "petition_ask_channel", buttons(rows), **_step_context(result))


async def present(update: Update, context: ContextTypes.DEFAULT_TYPE, result: Result) -> None:
    """Map the outcome to what the person sees."""
    draft = result.draft or Draft()
    match result.outcome:
        case Outcome.ASK:
            await ask(update, context, result)
        case Outcome.COMPLAINT:
            await reply(update, "petition_complaint", home_markup(), **office(context))
        case Outcome.CONTENT_SAVED:
            await reply(
                update,
                "petition_content_saved",
                buttons([[(label("petitions.proceed"), PREFIX + "next")], _nav(Step.CONTENT)]),
                length=result.length,
                limit=CONTENT_MAX,
                files=len(draft.attachments),
                max_files=result.limit,
                has_location=draft.has_location,
            )
        case Outcome.TOO_LONG:
            await reply(update, "petition_too_long", length=result.length, limit=result.limit)
        case Outcome.TOO_MANY_FILES:
            await reply(update, "petition_too_many_files", max_files=result.limit)
        case Outcome.EMPTY_CONTENT:
            await reply(update, "petition_empty_content")
        case Outcome.INVALID_NAME:
            await reply(update, "name_invalid", max_length=NAME_MAX)
        case Outcome.INVALID_PHONE:
            await reply(update, "petition_phone_invalid")
        case Outcome.INVALID_ADDRESS:
            await reply(update, "petition_address_invalid", limit=result.limit)
        case Outcome.DEADLINE_PASSED:
            assert result.session is not None
            await reply(
                update,
                "petition_deadline_passed",
                buttons(_session_rows(result, context)),
                session_title=result.session.title,
                session_deadline=result.session.opinion_deadline,
                tz=services(context).ward.ward.timezone,
                has_open=bool(result.sessions),
            )
        case Outcome.NOT_RECORDABLE:
            assert result.session is not None
            await reply(
                update,
                "petition_session_not_recordable",
                buttons(_session_rows(result, context)),
                session_title=result.session.title,
                **_sessions_context(result, context),
            )
        case Outcome.FILED:
            await _filed(update, context, result)
        case Outcome.DUPLICATE:
            assert result.petition is not None
            await reply(
                update,
                "petition_duplicate",
                buttons([[(label("petitions.mine"), "m:mine")], [(label("menu.back"), "m:home")]]),
                code=result.petition.code,
                created_at=result.petition.created_at,
                tz=services(context).ward.ward.timezone,
            )
        case Outcome.LIMIT_REACHED:
            await reply(
                update,
                "petition_limit_reached",
                home_markup(),
                limit=result.limit,
                **office(context),
            )
        case Outcome.CANCELLED:
            await reply(update, "cancelled", home_markup())
        case Outcome.LEFT:
            from handlers import menu

            async with services(context).store.read() as uow:
                user = update.effective_user
                staff = await uow.staff.get(user.id) if user else None
            await menu.show_home(update, context, staff)
        case Outcome.NOT_REGISTERED:
            await reply(update, "not_registered")
        case Outcome.NOT_ALLOWED:
            await reply(update, "not_allowed")
        case Outcome.NOT_EXPECTED:
            await reply(update, "petition_use_buttons")


async def _filed(update: Update, context: ContextTypes.DEFAULT_TYPE, result: Result) -> None:
    petition = result.petition
    assert petition is not None
    session = result.session
    if result.flow == STAFF_FLOW:
        assert petition.on_behalf is not None
        await reply(
            update,
            "petition_staff_receipt",
            buttons(
                [
                    [(label("petitions.new_on_behalf"), "st:onbehalf")],
                    [(label("menu.back"), "m:home")],
                ]
            ),
            code=petition.code,
            name=petition.on_behalf.name,
            channel_label=petition.channel.label,
            field_label=petition.field.label,
            session_title=session.title if session else None,
        )
        return
    steps = result.next_steps
    assert steps is not None
    await reply(
        update,
        "petition_receipt",
        buttons([[(label("petitions.mine"), "m:mine")], [(label("menu.back"), "m:home")]]),
        code=petition.code,
        field_label=petition.field.label,
        session_title=session.title if session else None,
        session_date=steps.session_date,
        conclusion_by=steps.conclusion_by,
        conclusion_complex_by=steps.conclusion_complex_by,
        report_days=steps.report_working_days,
        weekly_next=steps.weekly_next,
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The main menu's «Gửi ý kiến, kiến nghị»: a draft in progress resumes."""
    user = update.effective_user
    if user is None:
        return
    await ack(update)
    await present(update, context, await _use_case(context).begin(user.id))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    action, _, value = query.data.removeprefix(PREFIX).partition(":")
    use_case = _use_case(context)
    result: Result
    match action:
        case "k":
            result = await use_case.choose_kind(user.id, value)
        case "s":
            result = await use_case.choose_session(user.id, value)
        case "f":
            result = await use_case.choose_field(user.id, value)
        case "c":
            result = await use_case.choose_channel(user.id, value)
        case "next":
            result = await use_case.proceed(user.id)
        case "skip":
            result = await use_case.skip(user.id, value)
        case "back":
            result = await use_case.back(user.id, value)
        case "e":
            result = await use_case.edit(user.id, value)
        case "named":
            result = await use_case.toggle_named(user.id)
            if result.outcome is Outcome.ASK:
                await ack(update)
                await _edit_summary(update, context, result)
                return
        case "send":
            result = await use_case.submit(user.id)
        case "x":
            result = await use_case.cancel(user.id)
        case _:
            result = Result(Outcome.NOT_EXPECTED)
    if result.outcome is Outcome.NOT_EXPECTED:
        await ack(update, "button_expired")
        return
    if result.outcome is Outcome.NOT_ALLOWED:
        await ack(update, "not_allowed")
        return
    if result.outcome is Outcome.EMPTY_CONTENT:
        await ack(update, "petition_empty_content")
        return
    await ack(update)
    if result.outcome not in (Outcome.LIMIT_REACHED,):
        await remove_buttons(update)
    await present(update, context, result)


async def _edit_summary(update: Update, context: ContextTypes.DEFAULT_TYPE, result: Result) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.edit_message_text(
        render("petition_summary", **summary_context(result, context)),
        parse_mode=ParseMode.HTML,
        reply_markup=buttons(_confirm_rows(result)),
        link_preview_options=NO_PREVIEW,
    )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None or message.text is None:
        return
    use_case = _use_case(context)
    text = message.text.strip()
    at_address = state.flow == FLOW and state.step == Step.ADDRESS
    if at_address and text == label("petitions.skip_address"):
        result, noted = await use_case.skip(user.id, Step.ADDRESS.value), "none"
    elif at_address and text == label("petitions.back"):
        result, noted = await use_case.back(user.id, Step.ADDRESS.value), "back"
    elif at_address and text == label("petitions.cancel"):
        result, noted = await use_case.cancel(user.id), ""
    elif state.step in (Step.CONTENT, Step.ADDRESS, Step.NAME, Step.PERSON_ADDRESS, Step.PHONE):
        result, noted = await use_case.write(user.id, message.text), "address"
    else:
        await present(update, context, Result(Outcome.NOT_EXPECTED))
        return
    if at_address and result.outcome is Outcome.CANCELLED:
        await reply(update, "cancelled", ReplyKeyboardRemove())
        return
    await _leave_address(update, state, result, noted)
    await present(update, context, result)


async def _leave_address(update: Update, state: ChatState, result: Result, noted: str) -> None:
    """The location keyboard of the address step goes away once the step is done."""
    if state.flow != FLOW or state.step != Step.ADDRESS or result.step is Step.ADDRESS:
        return
    await reply(update, "petition_address_noted", ReplyKeyboardRemove(), noted=noted)


async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    """Photos, documents and voice notes are attachments; a location pin gives the place."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    use_case = _use_case(context)
    if message.location is not None:
        result = await use_case.locate(
            user.id, message.location.latitude, message.location.longitude
        )
        if result.outcome is Outcome.NOT_EXPECTED:
            await reply(update, "petition_media_not_accepted", media=label("media.location"))
            return
        await _leave_address(update, state, result, "location")
        await present(update, context, result)
        return
    attachment = _attachment(message)
    if attachment is None or state.step != Step.CONTENT:
        await reply(update, "petition_media_not_accepted", media=label(f"media.{_kind(message)}"))
        return
    result = await use_case.attach(user.id, *attachment)
    if result.outcome is Outcome.CONTENT_SAVED and message.caption:
        result = await use_case.write(user.id, message.caption)
    await present(update, context, result)


def _attachment(message: Message) -> tuple[AttachmentKind, str] | None:
    if message.photo:
        return AttachmentKind.PHOTO, message.photo[-1].file_id
    if message.document:
        return AttachmentKind.DOCUMENT, message.document.file_id
    if message.voice:
        return AttachmentKind.VOICE, message.voice.file_id
    return None


def _kind(message: Message) -> str:
    for kind in ("sticker", "voice", "photo", "video", "document", "location", "contact"):
        if getattr(message, kind, None):
            return kind
    return "other"


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"))
