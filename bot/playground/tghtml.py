"""Telegram's HTML parse mode lives in bot/playground/botapi/tghtml.py now; kept for its importers."""

from bot.playground.botapi.tghtml import HtmlParseError, ParsedText, parse_html, utf16_len

__all__ = ["HtmlParseError", "ParsedText", "parse_html", "utf16_len"]
