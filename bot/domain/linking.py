"""Linking one person's accounts on two channels with a one-time code (issue 14).

A code is shown on one account and typed on an account of another channel; the typing account's
person is then merged into the person who showed the code. Only a hash of the code is kept: the
code is never needed again once shown, so a database backup or a look at the table does not
reveal a live code (a 6-digit hash is easy to reverse by trying every value, so the real guards
are the 10-minute life, single use and the limit on wrong tries).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.people import Consent, Resident

__all__ = [
    "CODE_DIGITS",
    "CODE_LIFETIME",
    "MAX_WRONG_TRIES",
    "WRONG_TRIES_WINDOW",
    "LinkCode",
    "LinkRepository",
    "code_hash",
    "merged_resident",
    "normalise_code",
]

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
WRONG_TRIES_WINDOW = timedelta(hours=1)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def normalise_code(text: str) -> str | None:
    """The six digits a person typed, allowing spaces, dots and dashes between them
    ("123 456", "123-456"); None when it is not a code at all."""
    digits = "".join(ch for ch in text.strip() if ch not in " .-_")
    if len(digits) != CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


@dataclass(frozen=True, slots=True)
class LinkCode:
    """The live code of a person (one at most): where it was shown and until when it works."""

    person_id: int
    code_hash: str
    channel: str
    external_id: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def merged_resident(survivor: Resident | None, absorbed: Resident | None) -> Resident | None:
    """The survivor's record with its empty fields filled from the absorbed person's (a field
    the survivor has is never overwritten); the absorbed record moves whole when the survivor
    has none."""
    if absorbed is None:
        return survivor
    if survivor is None:
        return replace(absorbed)
    merged = replace(survivor)
    if merged.consent is not Consent.GIVEN and absorbed.consent is Consent.GIVEN:
        merged.consent, merged.consent_at = absorbed.consent, absorbed.consent_at
        merged.onboarded_at = merged.onboarded_at or absorbed.onboarded_at
        merged.deleted_at = None
    merged.full_name = merged.full_name or absorbed.full_name
    merged.group_code = merged.group_code or absorbed.group_code
    merged.phone = merged.phone or absorbed.phone
    merged.social_groups = merged.social_groups or absorbed.social_groups
    merged.reachable = merged.reachable or absorbed.reachable
    return merged


class LinkRepository(Protocol):
    """Link codes, wrong tries per account, and the merge of two persons' rows."""

    async def replace_code(self, code: LinkCode) -> None:
        """Store the person's new code; their previous one stops working."""
        ...

    async def find_code(self, code_hash: str) -> LinkCode | None:
        """The most recently issued code with this hash (used or expired ones too)."""
        ...

    async def mark_used(self, person_id: int, now: datetime) -> None: ...

    async def record_wrong_try(self, channel: str, external_id: str, now: datetime) -> None: ...

    async def wrong_tries_since(
        self, channel: str, external_id: str, since: datetime
    ) -> Sequence[datetime]:
        """When the account typed a wrong code after ``since``, oldest first."""
        ...

    async def merge_persons(self, absorbed: int, survivor: int) -> Mapping[str, int]:
        """Re-point every row of ``absorbed`` at ``survivor``; rows the survivor already has
        for the same thing (a registration for a session, a survey answer, a chat state) keep
        the better of the two. The ``absorbed`` resident record and link code are removed (the
        caller saves the merged resident first). Returns rows moved per ``table.column``."""
        ...
