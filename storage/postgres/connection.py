"""asyncpg behind the ``storage.db.Connection`` shape, so the repositories' SQL runs unchanged.

What differs between the engines is handled here, in one place:
- placeholders: ``?`` (and SQLite's ``:name`` with a dict) become ``$1, $2, …`` (outside quoted
  text), translated once per query;
- SQLite's loose typing: a parameter is converted to the type PostgreSQL inferred for it
  (an ``int`` bound to a ``text`` column becomes ``'42'``, as SQLite's affinity would store it);
- values: ``timestamptz`` travels as the ISO 8601 text ``storage.codec`` writes, ``date`` as
  ``YYYY-MM-DD``, ``jsonb`` as JSON text, and ``numeric`` (``SUM``/``AVG`` of integers) comes back
  as an ``int`` when whole, so the repositories see what SQLite gives them;
- ``instr(text, part)`` is PostgreSQL's ``strpos``; SQLite's index hints (``INDEXED BY name``)
  are dropped, PostgreSQL's planner picks its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from storage.codec import to_db_time

_TOKENS = re.compile(
    r"'(?:[^']|'')*'|\"[^\"]*\"|::|\?|:\w+|\binstr\(|\s+INDEXED BY \w+", re.IGNORECASE
)
_TRANSLATED: dict[str, tuple[str, tuple[str, ...]]] = {}


def translate(sql: str) -> tuple[str, tuple[str, ...]]:
    """The SQLite-flavoured query in PostgreSQL's words, and the name behind each ``$n`` when it
    uses ``:name`` parameters (empty for ``?`` ones); cached, since queries are constants."""
    done = _TRANSLATED.get(sql)
    if done is not None:
        return done
    names: list[str] = []

    def token(match: re.Match[str]) -> str:
        text = match.group(0)
        if text == "?":
            names.append("")
            return f"${len(names)}"
        if text.startswith(":") and text != "::":
            # one $n per use: the same value may go to a date here and a timestamptz there
            names.append(text[1:])
            return f"${len(names)}"
        if text.lower() == "instr(":
            return "strpos("
        if text.strip().upper().startswith("INDEXED BY"):
            return ""
        return text

    text = _TOKENS.sub(token, sql)
    done = (text, tuple(names) if all(names) else ())
    _TRANSLATED[sql] = done
    return done


class PgCursor:
    """The rows of one statement, already fetched, and how many rows it changed."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[asyncpg.Record], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        return self._rows


def _status_count(status: str | None) -> int:
    """``UPDATE 3`` / ``INSERT 0 1`` / ``DELETE 0`` → the number of rows; -1 when none."""
    if not status:
        return -1
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


_TO_TEXT = {"text", "varchar", "bpchar", "name"}
_TO_INT = {"int2", "int4", "int8"}
_TO_FLOAT = {"float4", "float8"}


def _coerce(value: Any, type_name: str) -> Any:
    if value is None:
        return None
    if type_name in _TO_TEXT and not isinstance(value, str):
        return str(value)
    if type_name in _TO_INT and isinstance(value, str):
        return int(value)
    if type_name in _TO_FLOAT and isinstance(value, int):
        return float(value)
    return value


class PgConnection:
    """One pooled asyncpg connection, spoken to like an aiosqlite connection."""

    __slots__ = ("raw",)
    dialect = "postgresql"

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    async def _run(self, sql: str, parameters: Iterable[Any] | None) -> PgCursor:
        text, names = translate(sql)
        statement = await self.raw.prepare(text)
        if isinstance(parameters, Mapping):
            parameters = [parameters[name] for name in names]
        args = _arguments(statement, parameters)
        rows = await statement.fetch(*args)
        return PgCursor(rows, _status_count(statement.get_statusmsg()))

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> PgCursor:
        return await self._run(sql, parameters)

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | None = None
    ) -> list[asyncpg.Record]:
        return (await self._run(sql, parameters))._rows

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> PgCursor:
        statement = await self.raw.prepare(translate(sql)[0])
        changed = 0
        for each in parameters:
            await statement.fetch(*_arguments(statement, each))
            changed += max(_status_count(statement.get_statusmsg()), 0)
        return PgCursor([], changed)


def _arguments(
    statement: asyncpg.prepared_stmt.PreparedStatement, parameters: Iterable[Any] | None
) -> Sequence[Any]:
    values = list(parameters or ())
    types = statement.get_parameters()
    return [_coerce(v, t.name) for v, t in zip(values, types, strict=True)]


def _time_text(value: Any) -> str:
    if isinstance(value, datetime):
        return to_db_time(value) or ""
    return str(value)


def _time_from_pg(text: str) -> str:
    """PostgreSQL's ``2026-11-25 02:00:00+00`` as ``storage.codec``'s ISO text in UTC."""
    return datetime.fromisoformat(text).astimezone(UTC).isoformat(timespec="microseconds")


def _date_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _number_from_pg(text: str) -> int | float:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(number)


async def set_codecs(raw: asyncpg.Connection) -> None:
    """Run on each new pooled connection: the value formats described in the module doc."""
    codecs = [
        ("timestamptz", _time_text, _time_from_pg),
        ("date", _date_text, str),
        ("jsonb", _json_text, str),
        ("json", _json_text, str),
        ("numeric", str, _number_from_pg),
    ]
    for name, encoder, decoder in codecs:
        await raw.set_type_codec(
            name, schema="pg_catalog", encoder=encoder, decoder=decoder, format="text"
        )
