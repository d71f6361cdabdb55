"""Reading the chats and waiting for the bot: what tests and the web chat's long polls use to see
a message arrive, an edit land or a Bot API call be made, with the chat so far in the timeout's
message."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bot.playground.botapi.models import ApiCall, EmulatorError, EmulatorTimeout, StoredMessage


class Waits:
    """The emulator's `messages`, `message` and `wait_for*` (mixed into BotApiEmulator, whose
    state they read)."""

    chats: dict[int, list[StoredMessage]]
    calls: list[ApiCall]
    changed: asyncio.Condition  # notified on every change a waiter may look at
    closing: bool

    def messages(self, chat_id: int) -> list[StoredMessage]:
        return list(self.chats.get(chat_id, []))

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        for msg in self.chats.get(chat_id, []):
            if msg.message_id == message_id:
                return msg
        raise EmulatorError(f"chat {chat_id} has no message {message_id}")

    async def _wait(self, check: Callable[[], Any], timeout: float, what: str, chat_id: int | None) -> Any:
        result: Any = None

        def ready() -> bool:
            nonlocal result
            result = check()
            return bool(result) or self.closing

        try:
            async with self.changed:
                await asyncio.wait_for(self.changed.wait_for(ready), timeout)
        except TimeoutError:
            raise EmulatorTimeout(
                f"timed out after {timeout}s waiting for {what}{self._describe(chat_id)}"
            ) from None
        if not result:
            raise EmulatorTimeout(f"the emulator stopped while waiting for {what}")
        return result

    def _describe(self, chat_id: int | None) -> str:
        if chat_id is None:
            return ""
        lines = [
            f"  [{m.message_id}{'*' if m.version > 1 else ''}] {'bot' if m.from_bot else 'user'}: "
            f"{m.plain[:120]!r} {m.button_labels() or ''}"
            for m in self.messages(chat_id)[-8:]
        ]
        return "; chat so far:\n" + "\n".join(lines) if lines else "; the chat is empty"

    async def wait_for(
        self,
        chat_id: int,
        predicate: Callable[[StoredMessage], bool],
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> StoredMessage:
        """The newest message in the chat changed after `since` that satisfies `predicate`."""

        def check() -> StoredMessage | None:
            for msg in reversed(self.chats.get(chat_id, [])):
                if msg.seq > since and predicate(msg):
                    return msg
            return None

        return await self._wait(check, timeout, "a matching message", chat_id)

    async def wait_for_text(
        self, chat_id: int, text: str, timeout: float = 5.0, *, since: int = 0
    ) -> StoredMessage:
        """A bot message (new or edited after `since`) whose text contains `text`."""

        def check() -> StoredMessage | None:
            for msg in reversed(self.chats.get(chat_id, [])):
                if msg.seq > since and msg.from_bot and msg.contains(text):
                    return msg
            return None

        return await self._wait(check, timeout, f"a bot message containing {text!r}", chat_id)

    async def wait_for_edit(
        self, chat_id: int, message_id: int, timeout: float = 5.0, *, min_version: int = 2
    ) -> StoredMessage:
        """The message once it has been edited (its version reached `min_version`)."""
        msg = self.message(chat_id, message_id)
        return await self._wait(
            lambda: msg if msg.version >= min_version else None,
            timeout,
            f"an edit of message {message_id}",
            chat_id,
        )

    async def wait_for_call(
        self,
        method: str,
        timeout: float = 5.0,
        *,
        predicate: Callable[[ApiCall], bool] | None = None,
        after: int = 0,
    ) -> ApiCall:
        """The first recorded call of `method` with index >= `after` that matches."""

        def check() -> ApiCall | None:
            for call in self.calls[after:]:
                if call.method.lower() == method.lower() and (predicate is None or predicate(call)):
                    return call
            return None

        return await self._wait(check, timeout, f"a {method} call", None)
