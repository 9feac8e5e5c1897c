"""What a petition draft looks like at each step, and what each outcome shows.

Shared by the resident flow (handlers/petitions.py) and the secretary's on-behalf flow
(handlers/petitions_staff.py), so the two stay step for step the same.
"""

from __future__ import annotations

from typing import Any

from bot.conversation.replies import Button, ButtonKind, Buttons
from bot.conversation.turn import Turn
from bot.domain.petitions import CONTENT_MAX, FieldOfConcern
from bot.usecases.onboarding import NAME_MAX
from bot.usecases.petitions import (
    FLOW,
    STAFF_CHANNELS,
    STAFF_FLOW,
    WEEKLY,
    Draft,
    Outcome,
    Result,
    Step,
    records_at_session,
    step_number,
)
from bot.usecases.public.author import author_url
from handlers.common import Rows, ask_location, buttons, home_markup, office, suggested
from handlers.petitions_full import FULL_TEXT_DRAFT
from messages import is_long, label

PREFIX = "pe:"


def _nav(step: Step) -> list[tuple[str, str]]:
    return [
        (label("petitions.back"), f"{PREFIX}back:{step.value}"),
        (label("petitions.cancel"), PREFIX + "x"),
    ]


def _session_rows(turn: Turn, result: Result) -> Rows:
    tz = turn.services.ward.tz
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


def _sessions_context(turn: Turn, result: Result) -> dict[str, Any]:
    return {
        "open_sessions": [
            {"title": s.title, "starts_at": s.starts_at, "deadline": s.opinion_deadline}
            for s in result.sessions
        ],
        "tz": turn.services.ward.ward.timezone,
    }


def _field_rows() -> Rows:
    fields = list(FieldOfConcern)
    rows: Rows = [
        [(f.label, f"{PREFIX}f:{f.value}") for f in fields[i : i + 2]]
        for i in range(0, len(fields), 2)
    ]
    rows.append(_nav(Step.FIELD))
    return rows


def confirm_rows(result: Result) -> Rows:
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
        public = "petitions.public_yes" if draft.content_public else "petitions.public_no"
        rows.append([(label(public), PREFIX + "public")])
    if is_long(draft.content):
        rows.append([(label("petitions.full_text"), FULL_TEXT_DRAFT)])
    rows.append(_nav(Step.CONFIRM))
    return rows


def _address_keyboard() -> list[list[Button]]:
    """The resident's address step: send a location pin, skip, or go back (typed answers)."""
    return [
        [ask_location(label("petitions.send_location"))],
        [suggested(label("petitions.skip_address"))],
        [suggested(label("petitions.back")), suggested(label("petitions.cancel"))],
    ]


def _step_context(result: Result) -> dict[str, Any]:
    assert result.step is not None
    step, steps = step_number(result.flow, result.step)
    return {"step": step, "steps": steps, "on_behalf": result.flow == STAFF_FLOW}


def summary_context(turn: Turn, result: Result) -> dict[str, Any]:
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
        "tz": turn.services.ward.ward.timezone,
        "field_label": draft.field.label if draft.field else "",
        "place": draft.address,
        "has_location": draft.has_location,
        "files": len(draft.attachments),
        "content": draft.content,
        "named": draft.named_publicly,
        "content_public": draft.content_public,
    }


async def ask(turn: Turn, result: Result) -> None:
    """The prompt of the step the draft is at."""
    draft = result.draft or Draft()
    limit = turn.services.ward.ward.petition_max_attachments
    match result.step:
        case Step.KIND:
            await turn.reply(
                "petition_ask_kind",
                [
                    [(label("petitions.opinion"), PREFIX + "k:opinion")],
                    [(label("petitions.complaint"), PREFIX + "k:complaint")],
                    [(label("petitions.home"), f"{PREFIX}back:{Step.KIND.value}")],
                ],
                **_step_context(result),
            )
        case Step.SESSION:
            await turn.reply(
                "petition_ask_session_held"
                if records_at_session(result.flow, draft)
                else "petition_ask_session",
                _session_rows(turn, result),
                **_step_context(result),
                **_sessions_context(turn, result),
            )
        case Step.FIELD:
            await turn.reply("petition_ask_field", _field_rows(), **_step_context(result))
        case Step.CONTENT:
            await turn.reply(
                "petition_ask_content",
                [[(label("petitions.proceed"), PREFIX + "next")], _nav(Step.CONTENT)],
                **_step_context(result),
                limit=CONTENT_MAX,
                max_files=limit,
                files=len(draft.attachments),
            )
        case Step.ADDRESS:
            markup: Buttons
            if result.flow == FLOW:
                markup = buttons(_address_keyboard())
            else:
                markup = buttons(
                    [
                        [(label("petitions.skip_address"), f"{PREFIX}skip:address")],
                        _nav(Step.ADDRESS),
                    ]
                )
            await turn.reply("petition_ask_address", markup, **_step_context(result))
        case Step.CONFIRM:
            await turn.reply(
                "petition_summary", confirm_rows(result), **summary_context(turn, result)
            )
        case Step.NAME:
            await turn.reply("petition_ask_name", [_nav(Step.NAME)], **_step_context(result))
        case Step.PERSON_ADDRESS:
            await turn.reply(
                "petition_ask_person_address",
                [_nav(Step.PERSON_ADDRESS)],
                **_step_context(result),
            )
        case Step.PHONE:
            await turn.reply(
                "petition_ask_phone",
                [[(label("petitions.skip_phone"), f"{PREFIX}skip:phone")], _nav(Step.PHONE)],
                **_step_context(result),
            )
        case Step.CHANNEL:
            rows: Rows = [[(c.label, f"{PREFIX}c:{c.value}")] for c in STAFF_CHANNELS]
            rows.append(_nav(Step.CHANNEL))
            await turn.reply("petition_ask_channel", rows, **_step_context(result))


async def present(turn: Turn, result: Result) -> None:
    """Map the outcome to what the person sees."""
    draft = result.draft or Draft()
    tz = turn.services.ward.ward.timezone
    match result.outcome:
        case Outcome.ASK:
            await ask(turn, result)
        case Outcome.COMPLAINT:
            await turn.reply("petition_complaint", home_markup(), **office(turn))
        case Outcome.CONTENT_SAVED:
            await turn.reply(
                "petition_content_saved",
                [[(label("petitions.proceed"), PREFIX + "next")], _nav(Step.CONTENT)],
                length=result.length,
                limit=CONTENT_MAX,
                files=len(draft.attachments),
                max_files=result.limit,
                has_location=draft.has_location,
            )
        case Outcome.TOO_LONG:
            await turn.reply("petition_too_long", length=result.length, limit=result.limit)
        case Outcome.TOO_MANY_FILES:
            await turn.reply("petition_too_many_files", max_files=result.limit)
        case Outcome.EMPTY_CONTENT:
            await turn.reply("petition_empty_content")
        case Outcome.INVALID_NAME:
            await turn.reply("name_invalid", max_length=NAME_MAX)
        case Outcome.INVALID_PHONE:
            await turn.reply("petition_phone_invalid")
        case Outcome.INVALID_ADDRESS:
            await turn.reply("petition_address_invalid", limit=result.limit)
        case Outcome.DEADLINE_PASSED:
            assert result.session is not None
            await turn.reply(
                "petition_deadline_passed",
                _session_rows(turn, result),
                session_title=result.session.title,
                session_deadline=result.session.opinion_deadline,
                tz=tz,
                has_open=bool(result.sessions),
            )
        case Outcome.NOT_RECORDABLE:
            assert result.session is not None
            await turn.reply(
                "petition_session_not_recordable",
                _session_rows(turn, result),
                session_title=result.session.title,
                **_sessions_context(turn, result),
            )
        case Outcome.FILED:
            await _filed(turn, result)
        case Outcome.DUPLICATE:
            assert result.petition is not None
            await turn.reply(
                "petition_duplicate",
                [[(label("petitions.mine"), "m:mine")], [(label("menu.back"), "m:home")]],
                code=result.petition.code,
                created_at=result.petition.created_at,
                tz=tz,
            )
        case Outcome.LIMIT_REACHED:
            await turn.reply(
                "petition_limit_reached", home_markup(), limit=result.limit, **office(turn)
            )
        case Outcome.CANCELLED:
            await turn.reply("cancelled", home_markup())
        case Outcome.LEFT:
            from handlers import menu

            async with turn.services.store.read() as uow:
                staff = await uow.staff.get(turn.person_id)
            await menu.show_home(turn, staff)
        case Outcome.NOT_REGISTERED:
            await turn.reply("not_registered")
        case Outcome.NOT_ALLOWED:
            await turn.reply("not_allowed")
        case Outcome.NOT_EXPECTED:
            await turn.reply("petition_use_buttons")


async def _filed(turn: Turn, result: Result) -> None:
    petition = result.petition
    assert petition is not None
    session = result.session
    if result.flow == STAFF_FLOW:
        assert petition.on_behalf is not None
        await turn.reply(
            "petition_staff_receipt",
            [
                [(label("petitions.new_on_behalf"), "st:onbehalf")],
                [(label("menu.back"), "m:home")],
            ],
            code=petition.code,
            name=petition.on_behalf.name,
            channel_label=petition.channel.label,
            field_label=petition.field.label,
            session_title=session.title if session else None,
        )
        return
    steps = result.next_steps
    assert steps is not None
    rows: list[list[tuple[str, str] | Button]] = [[(label("petitions.mine"), "m:mine")]]
    page = await author_url(turn.services, petition.code)
    if page is not None:
        rows.append([Button(label("petitions.web_page"), page, ButtonKind.URL)])
    rows.append([(label("menu.back"), "m:home")])
    await turn.reply(
        "petition_receipt",
        rows,
        code=petition.code,
        field_label=petition.field.label,
        session_title=session.title if session else None,
        session_date=steps.session_date,
        conclusion_by=steps.conclusion_by,
        conclusion_complex_by=steps.conclusion_complex_by,
        report_days=steps.report_working_days,
        weekly_next=steps.weekly_next,
    )
