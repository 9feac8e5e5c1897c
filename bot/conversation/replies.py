"""Neutral replies: what a flow (or an outbox row) says, before any channel renders it.

Text is rendered from a template in the neutral markup (the HTML subset ``<b> <i> <u> <s> <a>
<code> <pre>``, which Telegram takes as is and a plain-text channel strips). Buttons are rows of
:class:`Button`; a channel with fewer buttons per message than a row set needs lays them out
itself (a numbered list, «Xem thêm»).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "Button",
    "ButtonKind",
    "Buttons",
    "Capabilities",
    "buttons_from_json",
    "buttons_to_json",
    "extension",
    "rows",
    "split_text",
    "to_plain",
]


class ButtonKind(StrEnum):
    PAYLOAD = "payload"
    """Comes back to the bot as a button event carrying ``payload``."""
    URL = "url"
    CALL = "call"
    """Calls the phone number in ``value``."""
    ASK_CONTACT = "ask_contact"
    """Asks the person to share their own phone number."""
    ASK_LOCATION = "ask_location"
    REPLY = "reply"
    """A suggested answer typed for the person (Telegram's reply keyboard): comes back as text."""


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    value: str
    kind: ButtonKind = ButtonKind.PAYLOAD

    @property
    def payload(self) -> str:
        return self.value


Buttons = tuple[tuple[Button, ...], ...]


def rows(spec: Iterable[Iterable[tuple[str, str] | Button]] | None) -> Buttons:
    """Rows of (label, payload) pairs or typed buttons as neutral buttons."""
    if not spec:
        return ()
    out = []
    for row in spec:
        built = tuple(b if isinstance(b, Button) else Button(b[0], b[1]) for b in row)
        if built:
            out.append(built)
    return tuple(out)


def buttons_to_json(buttons: Buttons) -> list[list[dict[str, str]]]:
    return [
        [
            {"label": b.label, "value": b.value}
            if b.kind is ButtonKind.PAYLOAD
            else {"label": b.label, "value": b.value, "kind": b.kind.value}
            for b in row
        ]
        for row in buttons
    ]


def buttons_from_json(data: Sequence[Sequence[Mapping[str, Any]]] | None) -> Buttons:
    if not data:
        return ()
    return tuple(
        tuple(
            Button(str(b["label"]), str(b["value"]), ButtonKind(b.get("kind", "payload")))
            for b in row
        )
        for row in data
    )


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a channel can do; declared by its adapter, read by the renderer, never by flows."""

    name: str
    text_limit: int
    caption_limit: int
    markup: bool
    edits: bool
    max_buttons: int | None
    """Buttons per message; None for no practical limit."""
    button_payload_bytes: int
    typed_buttons: frozenset[ButtonKind] = frozenset({ButtonKind.PAYLOAD})
    command_menu: bool = False
    """A list of commands beside the text box (Telegram's «Menu» button)."""
    file_types: frozenset[str] | None = None
    """Extensions (lower case, no dot) the channel delivers as a file; None for any. The
    renderer tells the person about a file of another type instead of failing."""

    def takes_file(self, filename: str | None) -> bool:
        return self.file_types is None or extension(filename) in self.file_types


def extension(filename: str | None) -> str:
    """``filename``'s extension in lower case without the dot; "" when it has none."""
    name = filename or ""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


_TAG = re.compile(r"<[^<>]*>")


def to_plain(text: str) -> str:
    """Neutral markup as plain text: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text))


_ANY_TAG = re.compile(r"</?(b|i|u|s|code|pre|a|blockquote|tg-spoiler)(\s[^<>]*)?>")


def _visible_length(text: str, markup: bool) -> int:
    return len(html.unescape(_TAG.sub("", text))) if markup else len(text)


def split_text(text: str, limit: int, *, markup: bool = False) -> list[str]:
    """``text`` in pieces of at most ``limit`` visible characters, cut at paragraph boundaries
    (then lines, then spaces); tags open across a cut are closed and reopened, so every piece
    is valid markup on its own."""
    if _visible_length(text, markup) <= limit:
        return [text]
    pieces: list[str] = []
    rest = text
    while rest and _visible_length(rest, markup) > limit:
        cut = _cut_point(rest, limit, markup)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip("\n ")
        if markup:
            head, reopen = _balance(head)
            rest = reopen + rest
        if head:
            pieces.append(head)
    if rest.strip():
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int, markup: bool) -> int:
    """The largest index whose prefix shows at most ``limit`` characters, moved back to the
    last paragraph break, line break or space within it (never inside a tag or an entity)."""
    visible = 0
    i = 0
    hard = len(text)
    while i < len(text):
        step = 1
        if markup and text[i] == "<" and (end := text.find(">", i)) != -1:
            i = end + 1
            continue
        if markup and text[i] == "&" and (end := text.find(";", i, i + 10)) != -1:
            step = end + 1 - i
        if visible == limit:
            hard = i
            break
        visible += 1
        i += step
    window = text[:hard]
    for sep in ("\n\n", "\n", " "):
        at = window.rfind(sep)
        if at > hard // 3 and not _inside_tag(window, at):
            return at + len(sep)
    return hard


def _inside_tag(text: str, at: int) -> bool:
    return text.rfind("<", 0, at) > text.rfind(">", 0, at)


def _balance(piece: str) -> tuple[str, str]:
    """Close the tags left open at the end of ``piece``; return it and the tags to reopen."""
    stack: list[tuple[str, str]] = []
    for match in _ANY_TAG.finditer(piece):
        tag = match.group(0)
        name = match.group(1)
        if tag.startswith("</"):
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == name:
                    del stack[k]
                    break
        else:
            stack.append((name, tag))
    closing = "".join(f"</{name}>" for name, _ in reversed(stack))
    reopen = "".join(tag for _, tag in stack)
    return piece + closing, reopen
