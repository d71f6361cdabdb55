"""Telegram's HTML parse mode, re-implemented strictly enough to catch a bot's mistakes.

The rules follow what Telegram's server (tdlib `parse_html`) accepts: a fixed set of tags,
balanced and case-insensitive; `&lt; &gt; &amp; &quot;` and numeric references are decoded,
any other `&` stays literal text. A message that Telegram would refuse is refused here with
the same words, so a missing `html.escape()` on user input fails in tests, not in production.

The result is the plain text plus Telegram-style entities (UTF-16 offsets, which is what the
Bot API and JavaScript both count in) and a small tree the web chat renders with DOM calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_ENTITY_TYPE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
# The short tag name the web chat renders for each entity type.
_TREE_TAG = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "text_link": "a",
    "code": "code",
    "pre": "pre",
    "spoiler": "spoiler",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote",
    "custom_emoji": "emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHAR_REF = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_ATTR = re.compile(r"""\s*([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; `str()` is Telegram's own wording."""


@dataclass
class ParsedText:
    plain: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    tree: list[Any] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: how Telegram counts offsets and the 4096 limit."""
    return len(text.encode("utf-16-le")) // 2


def _decode_ref(match: re.Match[str]) -> str | None:
    named, decimal, hexa = match.groups()
    if named:
        return _NAMED[named]
    code = int(decimal) if decimal else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _unquote(value: str | None) -> str:
    if value is None:
        return ""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return _CHAR_REF.sub(lambda m: _decode_ref(m) or m.group(0), value)


class _Open:
    def __init__(self, tag: str, node: dict[str, Any], start: int, entity: dict[str, Any]) -> None:
        self.tag = tag
        self.node = node
        self.start = start
        self.entity = entity


def parse_html(text: str) -> ParsedText:
    """Parse `text` as Telegram HTML, or raise HtmlParseError like Telegram's server."""
    plain: list[str] = []
    plain_units = 0
    entities: list[dict[str, Any]] = []
    root: list[Any] = []
    stack: list[_Open] = []

    def children() -> list[Any]:
        return stack[-1].node["children"] if stack else root

    def emit(chunk: str) -> None:
        nonlocal plain_units
        if not chunk:
            return
        plain.append(chunk)
        plain_units += utf16_len(chunk)
        kids = children()
        if kids and isinstance(kids[-1], str):
            kids[-1] += chunk
        else:
            kids.append(chunk)

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "&":
            match = _CHAR_REF.match(text, i)
            decoded = _decode_ref(match) if match else None
            if match and decoded is not None:
                emit(decoded)
                i = match.end()
            else:
                emit("&")
                i += 1
            continue
        if char != "<":
            j = i
            while j < n and text[j] not in "<&":
                j += 1
            emit(text[i:j])
            i = j
            continue

        begin = i
        if i + 1 < n and text[i + 1] == "/":
            if not stack:
                raise HtmlParseError(
                    f"can't parse entities: Unexpected end tag at byte offset {byte_offset(begin)}"
                )
            close = text.find(">", i)
            if close == -1:
                raise HtmlParseError(
                    f"can't parse entities: Unclosed end tag at byte offset {byte_offset(begin)}"
                )
            name = text[i + 2 : close].strip().lower()
            top = stack[-1]
            if name and name != top.tag:
                raise HtmlParseError(
                    f"can't parse entities: Unmatched end tag at byte offset {byte_offset(begin)}, "
                    f'expected "</{top.tag}>", found "</{name}>"'
                )
            stack.pop()
            length = plain_units - top.start
            if length > 0 and top.entity:
                top.entity["offset"] = top.start
                top.entity["length"] = length
                entities.append(top.entity)
            i = close + 1
            continue

        j = i + 1
        while j < n and not text[j].isspace() and text[j] not in "<>":
            j += 1
        if j >= n or text[j] == "<":
            raise HtmlParseError(
                f"can't parse entities: Unclosed start tag at byte offset {byte_offset(begin)}"
            )
        name = text[i + 1 : j].lower()
        if name not in _ENTITY_TYPE:
            raise HtmlParseError(
                f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {byte_offset(begin)}'
            )
        attrs: dict[str, str] = {}
        k = j
        while True:
            while k < n and text[k].isspace():
                k += 1
            if k >= n:
                raise HtmlParseError(
                    f"can't parse entities: Unclosed start tag at byte offset {byte_offset(begin)}"
                )
            if text[k] == ">":
                k += 1
                break
            attr = _ATTR.match(text, k)
            if not attr or attr.end() == k:
                raise HtmlParseError(
                    f'can\'t parse entities: Invalid attribute in tag "{name}" at byte offset '
                    f"{byte_offset(begin)}"
                )
            attrs[attr.group(1).lower()] = _unquote(attr.group(2))
            k = attr.end()

        kind = _ENTITY_TYPE[name]
        entity: dict[str, Any] = {"type": kind}
        node: dict[str, Any] = {"tag": _TREE_TAG[kind], "children": []}
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError('can\'t parse entities: Tag "span" must have class "tg-spoiler"')
        if name == "a":
            href = attrs.get("href", "").strip()
            if href:
                entity["url"] = href
                node["href"] = href
            else:
                entity = {}
        elif name == "tg-emoji":
            emoji_id = attrs.get("emoji-id", "")
            if not emoji_id.isdigit():
                raise HtmlParseError('can\'t parse entities: Tag "tg-emoji" must have attribute "emoji-id"')
            entity["custom_emoji_id"] = emoji_id
        elif name == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        elif name == "code" and stack and stack[-1].tag == "pre":
            # Telegram folds <pre><code class="language-x"> into one pre entity with a language.
            language = attrs.get("class", "")
            if language.startswith("language-") and stack[-1].entity:
                stack[-1].entity["language"] = language.removeprefix("language-")
            entity = {}
        children().append(node)
        stack.append(_Open(name, node, plain_units, entity))
        i = k

    if stack:
        raise HtmlParseError(
            f"can't parse entities: Can't find end tag corresponding to start tag {stack[-1].tag}"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(plain="".join(plain), entities=entities, tree=root)
