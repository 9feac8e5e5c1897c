"""The session as an iCalendar file (.ics), so residents add it to their phone's calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from bot.domain.sessions import Session, SessionStatus, deep_link, host_text
from bot.usecases.common import Services
from messages import label

DEFAULT_LENGTH = timedelta(hours=2)
PRODID = "-//Nghe Dan Noi//Lich doi thoai//VI"


def session_ics(
    services: Services, session: Session, *, username: str | None, now: datetime
) -> bytes:
    """One VEVENT with the session's time (UTC), place, link and a stable UID; a changed
    session gets a higher SEQUENCE so calendars replace the old entry."""
    link = deep_link(username, session.id)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if session.status is SessionStatus.CANCELLED else "PUBLISH")
    event = Event()
    event.add("uid", f"session-{session.id}@{services.ward.ward.code.lower()}.nghe-dan-noi")
    event.add("dtstamp", now)
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", (session.ends_at or session.starts_at + DEFAULT_LENGTH).astimezone(UTC))
    event.add("summary", session.title)
    event.add("sequence", session.version)
    if session.venue:
        event.add("location", session.venue)
    if session.latitude is not None and session.longitude is not None:
        event.add("geo", (session.latitude, session.longitude))
    url = link or session.link
    if url:
        event.add("url", url)
    event.add(
        "description",
        label("sessions.ics_description", host=host_text(session), link=url or ""),
    )
    if session.status is SessionStatus.CANCELLED:
        event.add("status", "CANCELLED")
    cal.add_component(event)
    return bytes(cal.to_ical())


def ics_filename(session: Session) -> str:
    return f"doi-thoai-{session.id}.ics"
