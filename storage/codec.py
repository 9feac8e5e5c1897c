"""How times are stored: ISO 8601 text in UTC, so SQL comparisons order correctly."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime cannot be stored")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def required_time(value: str) -> datetime:
    return datetime.fromisoformat(value)
