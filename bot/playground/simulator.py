"""A person chatting with the bot, for tests that read like the conversation they check.

    user = SimulatedUser(emulator, 20001, "Demo")
    await user.says("/start")
    await user.waits_for("Pilih produk")
    await user.taps("Bayar")

Every wait starts from the user's last action, so `waits_for` sees only what the bot did in
response (a new message or an edit), never an older message that happens to match.
"""

from __future__ import annotations

from bot.playground.botapi import BotApiEmulator, EmulatorError, StoredMessage


class SimulatedUser:
    def __init__(
        self,
        emulator: BotApiEmulator,
        user_id: int = 20001,
        first_name: str = "Demo",
        *,
        language_code: str = "id",
        timeout: float = 5.0,
    ) -> None:
        self.emulator = emulator
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.timeout = timeout
        self.mark = emulator.seq

    async def says(self, text: str) -> StoredMessage:
        """Send a text message (a /command gets its bot_command entity)."""
        self.mark = self.emulator.seq
        return await self.emulator.user_sends(
            self.user_id, text, first_name=self.first_name, language_code=self.language_code
        )

    def find_button(self, label: str, message_id: int | None = None) -> tuple[StoredMessage, str]:
        """The newest bot message with a button whose text or callback data is `label`."""
        candidates = self.bot_messages()
        if message_id is not None:
            candidates = [m for m in candidates if m.message_id == message_id]
        for msg in reversed(candidates):
            for row in msg.buttons():
                for button in row:
                    if "callback_data" in button and label in (button.get("text"), button["callback_data"]):
                        return msg, str(button["callback_data"])
        seen = [label for m in candidates[-3:] for label in m.button_labels()]
        raise EmulatorError(f"no button {label!r} in the chat; the latest buttons are {seen}")

    async def taps(self, label: str, *, message_id: int | None = None) -> str:
        """Tap the button labelled `label` (or with that callback data); returns the query id."""
        msg, data = self.find_button(label, message_id)
        self.mark = self.emulator.seq
        return await self.emulator.user_taps(self.user_id, msg.message_id, data)

    async def taps_data(self, message_id: int, data: str) -> str:
        """Tap by raw callback data on a given message, e.g. to repeat a tap on an old keyboard."""
        self.mark = self.emulator.seq
        return await self.emulator.user_taps(self.user_id, message_id, data)

    async def waits_for(self, text: str, timeout: float | None = None) -> StoredMessage:
        """A bot message (new or edited since the user's last action) containing `text`."""
        return await self.emulator.wait_for_text(
            self.user_id, text, self.timeout if timeout is None else timeout, since=self.mark
        )

    async def waits_for_edit(
        self, message_id: int, timeout: float | None = None, *, min_version: int = 2
    ) -> StoredMessage:
        return await self.emulator.wait_for_edit(
            self.user_id, message_id, self.timeout if timeout is None else timeout, min_version=min_version
        )

    def messages(self) -> list[StoredMessage]:
        return self.emulator.messages(self.user_id)

    def bot_messages(self) -> list[StoredMessage]:
        return self.emulator.bot_messages(self.user_id)

    def last_message(self) -> StoredMessage | None:
        """The bot's latest message still in the chat."""
        messages = self.bot_messages()
        return messages[-1] if messages else None

    def buttons(self) -> list[str]:
        last = self.last_message()
        return last.button_labels() if last else []
