"""What every handler is given besides the update: `LoketContext`.

PTB builds one context per update (`ContextTypes`, as in PTB's contexttypesbot.py example).
Ours carries what the rooms of the chat share: the payment core, the settings and the
catalogue (held by the application, `LoketApplication`), and the user's language, looked up
at most once per update and only when a handler answers: an update the bot leaves alone
(chatter in a group) never creates a user row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Chat, InlineKeyboardMarkup, Message, Update, User
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.config import Settings
from bot.moneyin import MoneyIn
from bot.ops.health import Vitals
from bot.payments import CatalogueSync, PaymentService
from bot.telegram.catalogue import Catalogue
from bot.telegram.draft import PayDraft
from bot.telegram.messages import HTML
from bot.telegram.texts import DEFAULT_LANG, fit, norm_lang

LAST_MESSAGE = "last_message_id"  # chat_data key: the newest message the bot sent in the chat


@dataclass(frozen=True)
class Loket:
    """What the handlers work with: the core, the settings and what is for sale."""

    service: PaymentService
    settings: Settings
    catalogue: Catalogue
    sync: CatalogueSync | None = None  # the provider's product list (bot/billers/catalogue_sync.py)
    money: MoneyIn | None = None  # QRIS and deposit tickets (bot/moneyin); None: only operators top up


class LoketContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._update: Update | None = None
        self._lang: str | None = None

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, LoketContext, Any, Any, Any, Any]
    ) -> LoketContext:
        context = super().from_update(update, application)
        if isinstance(update, Update):
            context._update = update
        return context

    # -- what the application holds ---------------------------------------------------------
    @property
    def loket(self) -> Loket:
        application = self.application
        assert isinstance(application, LoketApplication)
        return application.loket

    @property
    def loket_application(self) -> LoketApplication:
        application = self.application
        assert isinstance(application, LoketApplication)
        return application

    @property
    def service(self) -> PaymentService:
        return self.loket.service

    @property
    def settings(self) -> Settings:
        return self.loket.settings

    @property
    def catalogue(self) -> Catalogue:
        return self.loket.catalogue

    @property
    def money(self) -> MoneyIn | None:
        return self.loket.money

    @property
    def can_top_up(self) -> bool:
        """Whether customers can top up themselves here (QRIS or bank transfer tickets)."""
        money = self.loket.money
        return money is not None and (money.qris.available or money.tickets.available)

    @property
    def draft(self) -> PayDraft:
        """The user's guided payment so far (kept in user_data)."""
        assert self.user_data is not None
        return PayDraft(self.user_data)

    # -- who is talking, in which language -------------------------------------------------
    @property
    def effective_user(self) -> User | None:
        return self._update.effective_user if self._update is not None else None

    @property
    def effective_chat(self) -> Chat | None:
        return self._update.effective_chat if self._update is not None else None

    @property
    def user_id(self) -> int:
        user = self.effective_user
        assert user is not None
        return user.id

    @property
    def is_operator(self) -> bool:
        user = self.effective_user
        return user is not None and self.service.is_admin(user.id)

    @property
    def lang(self) -> str:
        """The user's language, stored the first time the bot sees them: Telegram's (English or
        Indonesian), later what they pick with /lang. A row made before that, by an operator's
        /topup to someone who never wrote to the bot, holds no name and only the default
        language: it takes the user's name and Telegram's language on their first message."""
        if self._lang is None:
            self._lang = self._resolve_lang()
        return self._lang

    def _resolve_lang(self) -> str:
        user = self.effective_user
        if user is None:
            return DEFAULT_LANG
        told = norm_lang(user.language_code) if user.language_code else None
        known = self.service.get_user(user.id)
        if known is None or not known.name:
            known = self.service.ensure_user(user.id, user.full_name, told)
        return known.language

    def set_lang(self, code: str) -> None:
        """The user picked a language (/lang): stored, and used for the rest of this update.
        A user seen for the first time is stored first, with their name."""
        if self._lang is None:
            self._lang = self._resolve_lang()
        self.service.set_language(self.user_id, code)
        self._lang = code

    # -- answering in the chat the update came from ------------------------------------------
    async def reply(self, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
        chat = self.effective_chat
        assert chat is not None
        message = await self.bot.send_message(chat.id, fit(text), parse_mode=HTML, reply_markup=markup)
        self.application.chat_data[chat.id][LAST_MESSAGE] = message.message_id  # news knows the chat moved on
        return message


class LoketApplication(Application[ExtBot[None], LoketContext, Any, Any, Any, JobQueue[LoketContext]]):
    """PTB's Application holding the `Loket` every handler's context reaches."""

    def __init__(self, *, loket: Loket, vitals: Vitals | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loket = loket
        # its metrics and what /healthz reads (bot/ops/health.py)
        self.vitals = vitals or Vitals(loket.settings)

    async def initialize(self) -> None:
        """PTB's start-up, then the catalogue from the provider's list (the operators are told
        when it is not the live one, or a product was left out)."""
        await super().initialize()
        from bot.telegram.catalogue_news import refresh_catalogue

        await refresh_catalogue(self, tell=True)
