"""Telegram's HTML parse mode as the emulator enforces it: what passes, what Telegram refuses."""

from __future__ import annotations

import pytest

from bot.playground.botapi.tghtml import HtmlParseError, parse_html, utf16_len


@pytest.mark.parametrize(
    ("source", "plain", "entities"),
    [
        ("<b>a</b><strong>b</strong>", "ab", [("bold", 0, 1), ("bold", 1, 1)]),
        ("<I>x</I><em>y</em>", "xy", [("italic", 0, 1), ("italic", 1, 1)]),  # tag names are case-insensitive
        ("<u>a</u><ins>b</ins>", "ab", [("underline", 0, 1), ("underline", 1, 1)]),
        ("<s>a</s><strike>b</strike><del>c</del>", "abc", [("strikethrough", i, 1) for i in range(3)]),
        (
            '<tg-spoiler>a</tg-spoiler><span class="tg-spoiler">b</span>',
            "ab",
            [("spoiler", 0, 1), ("spoiler", 1, 1)],
        ),
        ("<blockquote>q</blockquote>", "q", [("blockquote", 0, 1)]),
        ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍", [("custom_emoji", 0, 2)]),
        ("&lt;&gt;&amp;&quot;&#65;&#x42;", '<>&"AB', []),
        ("R&D &nbsp; a&b", "R&D &nbsp; a&b", []),  # unknown references stay literal, as on Telegram
        ("😀<b>x</b>", "😀x", [("bold", 2, 1)]),  # offsets in UTF-16 units
        ("<b></b>x", "x", []),  # empty entities are dropped
        ("<a>no link</a>", "no link", []),
    ],
)
def test_accepted(source: str, plain: str, entities: list[tuple[str, int, int]]) -> None:
    parsed = parse_html(source)
    assert parsed.plain == plain
    assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == entities


def test_link_and_code_language() -> None:
    parsed = parse_html(
        '<a href="https://x.id/?a=1&amp;b=2">pay</a> <pre><code class="language-json">{}</code></pre>'
    )
    link, pre = parsed.entities
    assert link == {"type": "text_link", "url": "https://x.id/?a=1&b=2", "offset": 0, "length": 3}
    assert pre == {"type": "pre", "language": "json", "offset": 4, "length": 2}
    assert parsed.tree[0] == {"tag": "a", "href": "https://x.id/?a=1&b=2", "children": ["pay"]}


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ("Total < 5", 'Unsupported start tag "" at byte offset 6'),
        ("Rp <5.000", "Unclosed start tag at byte offset 3"),
        ("<b>open", "Can't find end tag corresponding to start tag b"),
        ("close</b>", "Unexpected end tag at byte offset 5"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<tg-emoji>x</tg-emoji>", 'Tag "tg-emoji" must have attribute "emoji-id"'),
        ("é<x>", 'Unsupported start tag "x" at byte offset 2'),  # offsets are UTF-8 bytes
    ],
)
def test_refused_like_telegram(source: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as caught:
        parse_html(source)
    assert str(caught.value) == f"can't parse entities: {error}"


def test_utf16_len_counts_like_telegram() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("😀") == 2
    assert utf16_len("é") == 1
