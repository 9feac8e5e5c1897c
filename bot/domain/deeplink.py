"""Deep-link payloads (``/start s12``): kept through onboarding, then handed to their flow."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_PAYLOAD = re.compile(r"^(?P<kind>[a-z])(?P<ref>[A-Za-z0-9_-]{1,60})$")


class LinkKind(StrEnum):
    SESSION = "s"
    PETITION = "p"


@dataclass(frozen=True, slots=True)
class DeepLink:
    kind: LinkKind
    ref: str

    @property
    def payload(self) -> str:
        return f"{self.kind.value}{self.ref}"


def parse_deep_link(payload: str | None) -> DeepLink | None:
    """None for an absent or unknown payload; Telegram allows [A-Za-z0-9_-]{1,64}."""
    if not payload:
        return None
    match = _PAYLOAD.match(payload.strip())
    if match is None:
        return None
    try:
        kind = LinkKind(match["kind"])
    except ValueError:
        return None
    if kind is LinkKind.SESSION and not match["ref"].isdigit():
        return None
    return DeepLink(kind, match["ref"])
