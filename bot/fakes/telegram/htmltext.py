"""Telegram's HTML formatting subset, parsed the way the Bot API (tdlib) does it.

The fake server must reject exactly the markup Telegram rejects, otherwise a bot that passes
its tests would fail in production with "can't parse entities".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EntityParseError",
    "parse_html",
    "strip_formatted",
    "unescape_markdown_v2",
    "utf16_len",
]

_WS = " \t\n\r\f\v"
_TRIM = " \t\n\r\f\v\x00"
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_ALLOWED_TAGS = frozenset(
    {*_SIMPLE_TYPES, "a", "code", "pre", "blockquote", "tg-emoji"},
)
_PLAIN_RUN = re.compile(r"[^<&]+")
_NAME_RUN = re.compile(r"[A-Za-z]*")
_HEX = frozenset("0123456789abcdefABCDEF")
_MDV2_ESCAPE = re.compile(r"\\([_*\[\]()~`>#+\-=|{}.!\\])")


class EntityParseError(ValueError):
    """Markup Telegram would refuse; the message is the part after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, pos: int) -> tuple[str | None, int]:
    """Decode a character reference at ``pos`` like tdlib: returns (char, end) or (None, pos)."""
    n = len(text)
    end = pos + 1
    if end < n and text[end] == "#":
        end += 1
        value = 0
        if end < n and text[end] in "xX":
            end += 1
            while end < n and text[end] in _HEX:
                value = value * 16 + int(text[end], 16)
                end += 1
                if value >= 0x10FFFF:
                    return None, pos
        else:
            while end < n and "0" <= text[end] <= "9":
                value = value * 10 + ord(text[end]) - 48
                end += 1
                if value >= 0x10FFFF:
                    return None, pos
        if value == 0 or 0xD800 <= value <= 0xDFFF:
            return None, pos
        char = chr(value)
    else:
        match = _NAME_RUN.match(text, end)
        end = match.end() if match else end
        named = _NAMED.get(text[pos + 1 : end])
        if named is None:
            return None, pos
        char = named
    if end < n and text[end] == ";":
        end += 1
    return char, end


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    offset: int
    expandable: bool = False
    language: str = ""


def _entity_for(tag: _Open, parent: _Open | None, length: int) -> dict[str, Any] | None:
    name = tag.tag
    entity: dict[str, Any]
    if name in _SIMPLE_TYPES:
        entity = {"type": _SIMPLE_TYPES[name]}
    elif name == "code":
        if parent is not None and parent.tag == "pre":
            if tag.argument:
                parent.language = tag.argument
            return None
        entity = {"type": "code"}
    elif name == "pre":
        entity = {"type": "pre"}
        if tag.language:
            entity["language"] = tag.language
    elif name == "a":
        if not tag.argument:
            return None
        entity = {"type": "text_link", "url": tag.argument}
    elif name == "tg-emoji":
        if not tag.argument:
            return None
        entity = {"type": "custom_emoji", "custom_emoji_id": tag.argument}
    else:
        entity = {"type": "expandable_blockquote" if tag.expandable else "blockquote"}
    entity["offset"] = tag.offset
    entity["length"] = length
    return entity


def parse_html(text: str, *, strict: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities with UTF-16 offsets) or raise EntityParseError.

    ``strict`` additionally rejects unknown named references such as ``&nbsp;``, which Telegram
    would show literally: almost always a bug in the bot's escaping.
    """
    out: list[str] = []
    pos16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(text)

    def fail(message: str) -> EntityParseError:
        return EntityParseError(message)

    while i < n:
        char = text[i]
        if char == "&":
            decoded, end = _decode_entity(text, i)
            if decoded is not None:
                out.append(decoded)
                pos16 += 2 if ord(decoded) > 0xFFFF else 1
                i = end
                continue
            if strict:
                match = _NAME_RUN.match(text, i + 1)
                name_end = match.end() if match else i + 1
                if name_end > i + 1 and name_end < n and text[name_end] == ";":
                    raise fail(
                        f'Unsupported HTML entity "{text[i : name_end + 1]}" '
                        f"at byte offset {_byte_offset(text, i)}"
                    )
            out.append("&")
            pos16 += 1
            i += 1
            continue
        if char != "<":
            run = _PLAIN_RUN.match(text, i)
            assert run is not None
            chunk = run.group()
            out.append(chunk)
            pos16 += utf16_len(chunk)
            i = run.end()
            continue

        begin = i
        i += 1
        if i < n and text[i] == "/":
            if not stack:
                raise fail(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            j = i + 1
            while j < n and text[j] not in _WS and text[j] != ">":
                j += 1
            end_name = text[i + 1 : j].lower()
            while j < n and text[j] in _WS:
                j += 1
            if j >= n or text[j] != ">":
                raise fail(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            top = stack.pop()
            if end_name and end_name != top.tag:
                raise fail(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{top.tag}>", found "</{end_name}>"'
                )
            i = j + 1
            if pos16 > top.offset:
                entity = _entity_for(top, stack[-1] if stack else None, pos16 - top.offset)
                if entity is not None:
                    entities.append(entity)
            continue

        j = i
        while j < n and text[j] not in _WS and text[j] != ">":
            j += 1
        if j >= n:
            raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[i:j].lower()
        if tag not in _ALLOWED_TAGS:
            raise fail(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
        i = j
        argument = ""
        expandable = False
        while True:
            while i < n and text[i] in _WS:
                i += 1
            if i >= n:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[i] == ">":
                break
            attr_begin = i
            while i < n and text[i] not in _WS and text[i] not in "=>":
                i += 1
            attr = text[attr_begin:i].lower()
            if not attr:
                raise fail(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{_byte_offset(text, begin)}"
                )
            while i < n and text[i] in _WS:
                i += 1
            if i >= n:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[i] != "=":
                if tag == "blockquote" and attr == "expandable":
                    expandable = True
                    continue
                raise fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {_byte_offset(text, begin)}"
                )
            i += 1
            while i < n and text[i] in _WS:
                i += 1
            if i >= n:
                raise fail(f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
            if text[i] not in "'\"":
                token_begin = i
                while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                    i += 1
                value = text[token_begin:i].lower()
                if i >= n or (text[i] not in _WS and text[i] != ">"):
                    raise fail(
                        f"Unexpected end of name token at byte offset "
                        f"{_byte_offset(text, token_begin)}"
                    )
            else:
                quote = text[i]
                i += 1
                parts: list[str] = []
                while i < n and text[i] != quote:
                    if text[i] == "&":
                        decoded, end = _decode_entity(text, i)
                        if decoded is not None:
                            parts.append(decoded)
                            i = end
                            continue
                    parts.append(text[i])
                    i += 1
                if i >= n:
                    raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
                i += 1
                value = "".join(parts)
            if tag == "a" and attr == "href":
                argument = value
            elif tag == "code" and attr == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and attr == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif tag == "tg-emoji" and attr == "emoji-id":
                argument = value
        i += 1
        if tag == "span" and argument != "spoiler":
            raise fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(text, begin)}"
            )
        stack.append(_Open(tag, argument, pos16, expandable))

    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def strip_formatted(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace as Telegram does, shifting and clipping the entities."""
    left = text.lstrip(_TRIM)
    lead = len(text) - len(left)
    stripped = left.rstrip(_TRIM)
    if not entities or (lead == 0 and len(stripped) == len(left)):
        return stripped, entities
    total = utf16_len(stripped)
    result: list[dict[str, Any]] = []
    for entity in entities:
        start = max(int(entity["offset"]) - lead, 0)
        end = min(int(entity["offset"]) + int(entity["length"]) - lead, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


def unescape_markdown_v2(text: str) -> str:
    """Remove MarkdownV2 backslash escapes; formatting markers are left as they are."""
    return _MDV2_ESCAPE.sub(r"\1", text)
