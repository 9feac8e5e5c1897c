"""``python -m bot session ...``: the secretary's session operations for scripting a yearly plan.

Same database (DATABASE_PATH) and same use cases as the bot, so the same validation and the same
notices: they land in the outbox and the running bot's delivery worker sends them. Times are
local to the ward (its timezone). The new session's id is the last line printed by ``create``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from bot.cli.common import fail, with_services
from bot.domain.sessions import AudienceScope, Host, Session, SessionForm, SessionKind, SocialGroup
from bot.usecases.common import Services
from bot.usecases.sessions import (
    Outcome,
    Result,
    SessionDraft,
    Sessions,
    card,
    deep_link,
    parse_iso_local,
)
from messages import label

session_app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Buổi đối thoại: tạo, sửa, hủy, liệt kê."
)
T = TypeVar("T")

KindOpt = Annotated[
    SessionKind | None, typer.Option("--kind", help="periodic|thematic|urgent|weekly")
]
TitleOpt = Annotated[str | None, typer.Option("--title")]
StartOpt = Annotated[
    str | None, typer.Option("--start", help='"YYYY-MM-DD HH:MM" (giờ địa phương)')
]
EndOpt = Annotated[str | None, typer.Option("--end", help='"YYYY-MM-DD HH:MM" hoặc "HH:MM"')]
VenueOpt = Annotated[str | None, typer.Option("--venue")]
LatOpt = Annotated[float | None, typer.Option("--lat")]
LonOpt = Annotated[float | None, typer.Option("--lon")]
FormOpt = Annotated[SessionForm | None, typer.Option("--form", help="direct|online|indirect")]
LinkOpt = Annotated[str | None, typer.Option("--link")]
GroupsOpt = Annotated[str | None, typer.Option("--groups", help="CODE,CODE (tổ dân phố)")]
SocialOpt = Annotated[
    SocialGroup | None,
    typer.Option("--social", help="business|workers|farmers|youth|women|veterans"),
]
CapOpt = Annotated[int | None, typer.Option("--capacity")]
HostOpt = Annotated[Host | None, typer.Option("--host", help="chair|party_secretary|both")]
DeputyOpt = Annotated[str | None, typer.Option("--deputy", help="người được ủy quyền chủ trì")]
DeadlineOpt = Annotated[str | None, typer.Option("--opinion-deadline")]
ReasonOpt = Annotated[str | None, typer.Option("--reason")]
PublishOpt = Annotated[bool, typer.Option("--publish", help="công bố và gửi giấy mời")]


def _run(work: Callable[[Sessions, Services], Awaitable[T]]) -> T:
    return with_services(lambda services: work(Sessions(services), services))


def _time(services: Services, text: str | None, what: str) -> Any:
    if text is None:
        return None
    parsed = parse_iso_local(text, services.ward.tz)
    if parsed is None:
        fail(f'{what} "{text}" không đúng dạng "YYYY-MM-DD HH:MM"')
    return parsed


def _end(services: Services, text: str | None, start: Any) -> Any:
    if text is None:
        return None
    if start is not None and len(text.strip()) <= 5 and ":" in text:
        return _time(services, f"{start.astimezone(services.ward.tz):%Y-%m-%d} {text}", "--end")
    return _time(services, text, "--end")


def _groups(text: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in (text or "").split(",") if c.strip())


def _explain(result: Result) -> None:
    """One line for every refusal, non-zero exit."""
    match result.outcome:
        case Outcome.INVALID:
            fail(" ".join(label(f"sessions.problem.{p.value}") for p in result.problems))
        case Outcome.NEEDS_REASON:
            lead = result.lead
            earliest = f" (ngày sớm nhất đúng hạn: {lead.earliest:%d/%m/%Y})" if lead else ""
            fail(
                f"chưa đủ 7 ngày làm việc trước buổi đối thoại{earliest}; "
                'thêm --reason "..." để vẫn công bố'
            )
        case Outcome.NOT_FOUND:
            fail("không có buổi đối thoại này")
        case Outcome.ALREADY_CANCELLED:
            fail("buổi này đã hủy hoặc đã diễn ra")
        case Outcome.ALREADY_PUBLISHED:
            fail("buổi này đã công bố rồi")
        case Outcome.PAST:
            fail("buổi này đã qua thời gian bắt đầu")
        case Outcome.NOT_ALLOWED:
            fail("không có quyền")


def _line(services: Services, session: Session) -> str:
    when = session.starts_at.astimezone(services.ward.tz)
    status = label(f"sessions.status.{session.status.value}")
    place = session.venue or label(f"sessions.form.{session.form.value}")
    return f"#{session.id} [{status}] {when:%Y-%m-%d %H:%M} {session.title} – {place}"


@session_app.command("create")
def create(
    kind: KindOpt = None,
    title: TitleOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    venue: VenueOpt = None,
    lat: LatOpt = None,
    lon: LonOpt = None,
    form: FormOpt = None,
    link: LinkOpt = None,
    groups: GroupsOpt = None,
    social: SocialOpt = None,
    capacity: CapOpt = None,
    host: HostOpt = None,
    deputy: DeputyOpt = None,
    opinion_deadline: DeadlineOpt = None,
    reason: ReasonOpt = None,
    publish: PublishOpt = False,
) -> None:
    """Tạo buổi đối thoại; dòng cuối cùng in ra là mã (id) của buổi."""
    if kind is None or title is None or start is None:
        fail("cần --kind, --title và --start")

    async def work(uc: Sessions, services: Services) -> Result:
        starts = _time(services, start, "--start")
        codes = _groups(groups)
        audience = (
            AudienceScope.GROUPS
            if codes
            else AudienceScope.SOCIAL
            if social is not None
            else AudienceScope.WARD
        )
        draft = SessionDraft(
            kind=kind,
            title=title,
            starts_at=starts,
            ends_at=_end(services, end, starts),
            venue=venue or "",
            latitude=lat,
            longitude=lon,
            form=form or SessionForm.DIRECT,
            link=link,
            audience=audience,
            group_codes=codes,
            social_group=social,
            capacity=capacity,
            host=host or Host.CHAIR,
            deputy=deputy,
            opinion_deadline=_time(services, opinion_deadline, "--opinion-deadline"),
            reason=reason,
        )
        return await uc.create(None, draft, publish=publish)

    result = _run(work)
    _explain(result)
    assert result.session is not None
    if result.outcome is Outcome.PUBLISHED:
        typer.echo(f"Đã công bố; giấy mời xếp hàng gửi tới {result.notified} người.")
    else:
        typer.echo("Đã lưu nháp (dùng --publish hoặc `session update ID --publish` để công bố).")
    if result.lead is not None and result.lead.short:
        reason = result.session.lead_time_reason or "chưa có — cần --reason khi công bố"
        typer.echo(f"Lý do công bố muộn: {reason}")
    typer.echo(str(result.session.id))


@session_app.command("update")
def update(
    session_id: Annotated[int, typer.Argument(metavar="ID")],
    title: TitleOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    venue: VenueOpt = None,
    lat: LatOpt = None,
    lon: LonOpt = None,
    form: FormOpt = None,
    link: LinkOpt = None,
    groups: GroupsOpt = None,
    social: SocialOpt = None,
    capacity: CapOpt = None,
    host: HostOpt = None,
    deputy: DeputyOpt = None,
    opinion_deadline: DeadlineOpt = None,
    reason: ReasonOpt = None,
    publish: PublishOpt = False,
) -> None:
    """Sửa buổi đối thoại; đổi thời gian/địa điểm/hình thức/link thì báo cho mọi người."""

    async def work(uc: Sessions, services: Services) -> list[Result]:
        current = await uc.get(session_id)
        if current is None:
            return [Result(Outcome.NOT_FOUND)]
        fields: dict[str, Any] = {}
        starts = _time(services, start, "--start")
        if title is not None:
            fields["title"] = title
        if starts is not None:
            fields["starts_at"] = starts
        if end is not None:
            fields["ends_at"] = _end(services, end, starts or current.starts_at)
        if venue is not None:
            fields["venue"] = venue
            if lat is None:
                fields["latitude"] = fields["longitude"] = None
        if lat is not None or lon is not None:
            fields["latitude"], fields["longitude"] = lat, lon
        if form is not None:
            fields["form"] = form
        if link is not None:
            fields["link"] = link or None
        if groups is not None:
            fields["group_codes"] = _groups(groups)
            fields["audience"] = AudienceScope.GROUPS
        if social is not None:
            fields["social_group"], fields["audience"] = social, AudienceScope.SOCIAL
        if capacity is not None:
            fields["capacity"] = capacity or None
        if host is not None:
            fields["host"] = host
        if deputy is not None:
            fields["deputy"] = deputy or None
        if opinion_deadline is not None:
            fields["opinion_deadline"] = _time(services, opinion_deadline, "--opinion-deadline")
        results = []
        if fields:
            results.append(await uc.update(None, session_id, reason=reason, **fields))
        if publish:
            results.append(await uc.publish(None, session_id, reason=reason))
        return results

    results = _run(work)
    if not results:
        fail("không có gì để sửa (thêm tùy chọn, ví dụ --venue, hoặc --publish)")
    for result in results:
        if result.outcome is Outcome.ALREADY_PUBLISHED:
            typer.echo("Buổi này đã công bố từ trước; không gửi lại giấy mời.")
            continue
        _explain(result)
        assert result.session is not None
        if result.outcome is Outcome.UPDATED:
            typer.echo(
                f"Đã sửa (phiên bản {result.session.version}); báo cho {result.notified} người."
            )
        elif result.outcome is Outcome.PUBLISHED:
            typer.echo(f"Đã công bố; giấy mời xếp hàng gửi tới {result.notified} người.")
        else:
            typer.echo("Không có thay đổi.")
    typer.echo(str(session_id))


@session_app.command("cancel")
def cancel(
    session_id: Annotated[int, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option("--reason", help="lý do hủy (bắt buộc)")],
) -> None:
    """Hủy buổi đối thoại và báo cho người đăng ký và người được mời."""
    result = _run(lambda uc, _s: uc.cancel(None, session_id, reason))
    _explain(result)
    typer.echo(f"Đã hủy; thông báo xếp hàng gửi tới {result.notified} người.")
    typer.echo(str(session_id))


@session_app.command("list")
def list_sessions(
    as_json: Annotated[bool, typer.Option("--json", help="in JSON")] = False,
    include_past: Annotated[bool, typer.Option("--all", help="cả buổi đã qua, đã hủy")] = False,
) -> None:
    """Liệt kê các buổi đối thoại sắp tới (nháp và đã công bố)."""

    async def work(uc: Sessions, services: Services) -> list[dict[str, Any]]:
        username = await uc.bot_username()
        rows = []
        for session in await uc.list_for_staff(include_past=include_past):
            roster = await uc.roster(session.id)
            assert roster is not None
            view = card(services, session, username=username)
            tz = services.ward.tz
            rows.append(
                {
                    "id": session.id,
                    "kind": session.kind.value,
                    "status": session.status.value,
                    "title": session.title,
                    "start": f"{session.starts_at.astimezone(tz):%Y-%m-%d %H:%M}",
                    "end": (
                        f"{session.ends_at.astimezone(tz):%Y-%m-%d %H:%M}"
                        if session.ends_at
                        else None
                    ),
                    "venue": session.venue,
                    "form": session.form.value,
                    "link": session.link,
                    "host": session.host.value,
                    "audience": session.audience.value,
                    "groups": list(session.group_codes),
                    "social_group": session.social_group.value if session.social_group else None,
                    "capacity": session.capacity,
                    "registered": len(roster.registered),
                    "waitlist": len(roster.waitlist),
                    "speakers": len(roster.speakers),
                    "version": session.version,
                    "deep_link": view["deep_link"],
                    "line": _line(services, session),
                }
            )
        return rows

    rows = _run(work)
    if as_json:
        typer.echo(
            json.dumps(
                [{k: v for k, v in r.items() if k != "line"} for r in rows],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for row in rows:
        typer.echo(row["line"])
    if not rows:
        typer.echo("Chưa có buổi đối thoại nào.")


@session_app.command("weekly")
def weekly(
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=52)] = 4,
    draft: Annotated[bool, typer.Option("--draft", help="tạo nháp, chưa gửi giấy mời")] = False,
) -> None:
    """Tạo lịch "Ngày thứ Sáu nghe dân nói" cho N tuần tới, luân phiên các tổ dân phố."""

    async def work(uc: Sessions, services: Services) -> tuple[Result, list[str]]:
        result = await uc.generate_weekly(None, weeks, publish=not draft)
        return result, [_line(services, s) for s in result.created]

    result, lines = _run(work)
    for line in lines:
        typer.echo(line)
    for day in result.skipped_holidays:
        typer.echo(f"{day:%Y-%m-%d}: ngày nghỉ lễ, không tổ chức")
    typer.echo(f"Đã tạo {len(result.created)} buổi.")


@session_app.command("poster")
def poster_cmd(
    session_id: Annotated[int, typer.Argument(metavar="ID")],
    out: Annotated[Path, typer.Option("--out", help="tệp .png hoặc .pdf")],
) -> None:
    """Áp phích in dán ở nhà văn hóa, có mã QR mở trang đăng ký."""
    from bot.documents.poster import poster

    async def work(uc: Sessions, services: Services) -> bytes | None:
        session = await uc.get(session_id)
        if session is None:
            return None
        username = await uc.bot_username()
        link = deep_link(username, session.id)
        if link is None:
            fail("chưa biết tên bot: chạy bot một lần (python -m bot run) rồi thử lại")
        view = card(services, session, username=username)
        pdf = out.suffix.lower() == ".pdf"
        return poster(view, link, ward_name=services.ward.ward.name, fmt="pdf" if pdf else "png")

    data = _run(work)
    if data is None:
        fail("không có buổi đối thoại này")
    out.write_bytes(data)
    typer.echo(str(out))


@session_app.command("ics")
def ics_cmd(
    session_id: Annotated[int, typer.Argument(metavar="ID")],
    out: Annotated[Path, typer.Option("--out")],
) -> None:
    """Tệp lịch .ics của buổi đối thoại."""
    from bot.documents.ics import session_ics

    async def work(uc: Sessions, services: Services) -> bytes | None:
        session = await uc.get(session_id)
        if session is None:
            return None
        username = await uc.bot_username()
        return session_ics(services, session, username=username, now=services.clock.now())

    data = _run(work)
    if data is None:
        fail("không có buổi đối thoại này")
    out.write_bytes(data)
    typer.echo(str(out))
