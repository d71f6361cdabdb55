"""The chat's handlers: parse, call the payment core, render. Nothing else lives here.

Three ways in: the customer's guided payment (menu → category → product → number → bill →
pay), the reseller's one-line commands (bot/telegram/grammar.py), and the operator's admin
commands. Buttons carry a ref; the amount paid always comes from the core's database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, MaybeInaccessibleMessage, Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.billers.base import (
    CATEGORIES,
    MAX_MONTHS,
    InquiryError,
    InvalidCustomerNumber,
    PaymentResult,
    Product,
    Reason,
    UnknownProduct,
)
from bot.payments.errors import (
    BillBeingPaid,
    InquiryExpired,
    InsufficientBalance,
    InvalidAmount,
    InvalidMonths,
    NotPayable,
    TransactionNotFound,
)
from bot.payments.models import Role, Transaction, TxState
from bot.telegram import keyboards, render
from bot.telegram.grammar import (
    NUMBER_GROUP,
    AmountError,
    Command,
    GrammarError,
    Verb,
    ascii_digits,
    is_command,
    names_keyword,
    parse_amount,
    parse_command,
    parse_signed_amount,
)
from bot.telegram.texts import Raw, fit, hint, norm_lang, t
from storage.db import is_busy

log = logging.getLogger(__name__)

CATEGORY, PRODUCT, NUMBER, MONTHS = range(4)
MONTH_CHOICES = (1, 2, 3, 6, 12)  # BPJS: how many months to pay, as buttons
MONTHS_WORD = re.compile(r"[0-9]{1,2}")  # the months after a BPJS number in a reseller line
HISTORY_PAGE = 5
PENDING_SHOWN = 25  # /pending lines in one message
REPORT_SHOWN = 40  # LAP lines in one message
TYPING_REPEAT = 4.5  # seconds between chat actions during an inquiry
LAST_MESSAGE = "last_message_id"  # chat_data key: the newest message the bot sent in the chat
HTML = ParseMode.HTML
Context = ContextTypes.DEFAULT_TYPE


def is_not_modified(error: BadRequest) -> bool:
    return "not modified" in str(error).lower()


async def edit_or_send(bot: Any, chat_id: int, message_id: int | None, text: str, markup: Any = None) -> bool:
    """Edit a message in place; if it is gone or too old, send a new one. 'Not modified' is fine.

    Returns True when the message was edited (or already showed this), False when a new one was sent.
    """
    text = fit(text)
    if message_id is not None:
        try:
            await bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, parse_mode=HTML, reply_markup=markup
            )
            return True
        except BadRequest as error:
            if is_not_modified(error):
                return True
            log.info(
                "edit of message %s in chat %s failed (%s); sending a new one", message_id, chat_id, error
            )
        except TelegramError as error:
            log.info(
                "edit of message %s in chat %s failed (%s); sending a new one", message_id, chat_id, error
            )
    await bot.send_message(chat_id, text, parse_mode=HTML, reply_markup=markup)
    return False


async def answer(query: CallbackQuery, text: str | None = None, *, show_alert: bool = False) -> None:
    """Answer a callback query. One that waited too long behind the chat's earlier updates (a
    slow payment) can no longer be answered: Telegram has stopped the spinner itself, and the
    tap is still handled (the message shows the outcome) instead of ending in an error."""
    try:
        await query.answer(text, show_alert=show_alert)
    except BadRequest as error:
        reason = str(error).lower()
        if "query is too old" not in reason and "query id is invalid" not in reason:
            raise
        log.info("callback query %s could not be answered any more: %s", query.id, error)


async def keep_typing(bot: Any, chat_id: int) -> None:
    """'typing…' for as long as a slow inquiry runs (Telegram shows it for about 5 seconds)."""
    while True:
        await asyncio.sleep(TYPING_REPEAT)
        with contextlib.suppress(TelegramError):
            await bot.send_chat_action(chat_id, ChatAction.TYPING)


class LoketHandlers:
    """Holds what the handlers need: the core, the settings and the product catalogue."""

    def __init__(self, service: Any, settings: Any, products: list[Product]) -> None:
        self.service = service
        self.settings = settings
        self.products = {p.code.upper(): p for p in products}
        self.category_keys = [k for k in CATEGORIES if any(p.category == k for p in products)]
        self.chat_data: Any = {}  # the application's chat_data, set by register()

    # -- helpers -----------------------------------------------------------------------------
    def lang(self, update: Update) -> str:
        """The user's language, stored the first time the bot sees them: Telegram's (English or
        Indonesian), later what they pick with /lang. A row made before that, by an operator's
        /topup to someone who never wrote to the bot, holds no name and only the default
        language: it takes the user's name and Telegram's language on their first message."""
        user = update.effective_user
        if user is None:
            return "id"
        told = norm_lang(user.language_code) if user.language_code else None
        known = self.service.get_user(user.id)
        if known is None or not known.name:
            known = self.service.ensure_user(user.id, user.full_name, told)
        return known.language

    def is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and self.service.is_admin(user.id)

    async def reply(self, update: Update, text: str, markup: Any = None) -> Message:
        assert update.effective_chat is not None
        chat_id = update.effective_chat.id
        message = await update.get_bot().send_message(
            chat_id, fit(text), parse_mode=HTML, reply_markup=markup
        )
        self.chat_data[chat_id][LAST_MESSAGE] = message.message_id  # so news knows the chat moved on
        return message

    @staticmethod
    async def edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        try:
            await query.edit_message_text(fit(text), parse_mode=HTML, reply_markup=markup)
        except BadRequest as error:
            if not is_not_modified(error):
                raise

    def product(self, code: str) -> Product:
        product = self.products.get(code.upper())
        if product is None:
            raise UnknownProduct(code)
        return product

    def notify_for(self, message: MaybeInaccessibleMessage, lang: str) -> dict[str, Any]:
        return {"chat_id": message.chat.id, "message_id": message.message_id, "lang": lang}

    # -- start, help, language ---------------------------------------------------------------
    async def start(self, update: Update, context: Context) -> int:
        lang = self.lang(update)
        user = update.effective_user
        if context.user_data is not None:
            context.user_data.pop("pay_product", None)
        await self.reply(
            update, t(lang, "welcome", name=user.first_name if user else ""), keyboards.menu(lang)
        )
        return ConversationHandler.END

    async def help(self, update: Update, context: Context) -> None:
        lang = self.lang(update)
        text = t(lang, "help")
        if self.is_admin(update):  # operators also see their own commands
            text += "\n\n" + t(lang, "help_admin")
        await self.reply(update, text)

    async def lang_command(self, update: Update, context: Context) -> None:
        await self.reply(update, t(self.lang(update), "lang_pick"), keyboards.languages())

    async def lang_chosen(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        code = norm_lang(query.data.split(":", 1)[1])
        self.lang(update)
        self.service.set_language(query.from_user.id, code)
        await answer(query)
        await self.edit(query, t(code, "lang_set"), keyboards.menu(code))

    async def menu_choice(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        choice = query.data.split(":", 1)[1]
        lang = self.lang(update)
        await answer(query)
        if choice == "history":
            await self.show_history(update, lang, 0, edit=None)
        elif choice == "wallet":
            await self.reply(update, self.wallet_text(lang, query.from_user.id))
        elif choice == "status":
            await self.show_status_overview(update, lang)
        else:
            await self.reply(update, t(lang, "help"))

    # -- the guided payment ------------------------------------------------------------------
    async def pay_entry(self, update: Update, context: Context) -> int:
        lang = self.lang(update)
        markup = keyboards.categories(lang, self.category_keys)
        if update.callback_query is not None:
            await answer(update.callback_query)
            await self.edit(update.callback_query, t(lang, "choose_category"), markup)
        else:
            await self.reply(update, t(lang, "choose_category"), markup)
        return CATEGORY

    def _category_products(self, category: str) -> list[Product]:
        return [p for p in self.products.values() if p.category == category]

    async def category_chosen(self, update: Update, context: Context) -> int:
        query = update.callback_query
        assert query is not None and query.data is not None and context.user_data is not None
        lang = self.lang(update)
        category = query.data.split(":", 1)[1]
        items = self._category_products(category)
        await answer(query)
        if not items:
            await self.edit(query, t(lang, "choose_category"), keyboards.categories(lang, self.category_keys))
            return CATEGORY
        context.user_data["pay_category"] = category
        await self.edit(
            query,
            t(lang, "choose_product", category=t(lang, f"cat_{category}")),
            keyboards.products(lang, items),
        )
        return PRODUCT

    async def product_chosen(self, update: Update, context: Context) -> int:
        query = update.callback_query
        assert query is not None and query.data is not None and context.user_data is not None
        lang = self.lang(update)
        code = query.data.split(":", 1)[1]
        await answer(query)
        product = self.products.get(code.upper())
        if product is None:
            await self.edit(query, t(lang, "choose_category"), keyboards.categories(lang, self.category_keys))
            return CATEGORY
        context.user_data["pay_product"] = product.code
        await self.edit(
            query,
            t(lang, "ask_number", product=product.name, hint=hint(lang, product.number_rule.hint)),
            keyboards.number_step(lang),
        )
        return NUMBER

    async def back_to_categories(self, update: Update, context: Context) -> int:
        return await self.pay_entry(update, context)

    async def back_to_products(self, update: Update, context: Context) -> int:
        query = update.callback_query
        assert query is not None and context.user_data is not None
        lang = self.lang(update)
        category = context.user_data.get("pay_category", "")
        items = self._category_products(category)
        await answer(query)
        if not items:
            await self.edit(query, t(lang, "choose_category"), keyboards.categories(lang, self.category_keys))
            return CATEGORY
        await self.edit(
            query,
            t(lang, "choose_product", category=t(lang, f"cat_{category}")),
            keyboards.products(lang, items),
        )
        return PRODUCT

    async def flow_cancelled(self, update: Update, context: Context) -> int:
        lang = self.lang(update)
        if context.user_data is not None:
            context.user_data.pop("pay_product", None)
            context.user_data.pop("pay_category", None)
        if update.callback_query is not None:
            await answer(update.callback_query)
            await self.edit(update.callback_query, t(lang, "cancelled"))
        else:
            await self.reply(update, t(lang, "cancelled"))
        return ConversationHandler.END

    async def number_given(self, update: Update, context: Context) -> int:
        assert update.message is not None and context.user_data is not None
        lang = self.lang(update)
        code = context.user_data.get("pay_product")
        product = self.products.get(str(code).upper()) if code else None
        if product is None:
            await self.reply(
                update, t(lang, "choose_category"), keyboards.categories(lang, self.category_keys)
            )
            return CATEGORY
        text = ascii_digits(update.message.text or "")  # ٥٣٠… or full-width digits are digits too
        if is_command(text):  # e.g. SAL or CEK.… typed mid-flow: the user changed their mind
            for key in ("pay_product", "pay_category", "pay_number"):
                context.user_data.pop(key, None)
            await self.run_line(update, text)
            return ConversationHandler.END
        if product.needs_month:  # BPJS: the number first, then how many months
            try:
                number = product.number_rule.check(text)
            except InvalidCustomerNumber as error:
                await self.reply(update, self.number_refusal(lang, error, text))
                return NUMBER
            context.user_data["pay_number"] = number
            await self.reply(
                update,
                t(lang, "ask_months", product=product.name, number=number),
                keyboards.months(lang, MONTH_CHOICES),
            )
            return MONTHS
        tx, ask_again = await self.inquire(update, lang, product.code, text)
        if ask_again:
            return NUMBER
        context.user_data.pop("pay_product", None)
        context.user_data.pop("pay_category", None)
        if tx is not None:
            await self.send_bill(update, lang, tx, reseller=False)
        return ConversationHandler.END

    async def months_chosen(self, update: Update, context: Context) -> int:
        query = update.callback_query
        assert query is not None and query.data is not None and context.user_data is not None
        lang = self.lang(update)
        await answer(query)
        product = self.products.get(str(context.user_data.get("pay_product") or "").upper())
        number = context.user_data.get("pay_number")
        months = int(query.data.split(":", 1)[1]) if query.data.split(":", 1)[1].isdigit() else 0
        if product is None or not number or months not in MONTH_CHOICES:
            await self.edit(query, t(lang, "choose_category"), keyboards.categories(lang, self.category_keys))
            return CATEGORY
        await self.edit(query, t(lang, "months_chosen", product=product.name, number=number, months=months))
        tx, _ = await self.inquire(update, lang, product.code, number, months=months)
        for key in ("pay_product", "pay_category", "pay_number"):
            context.user_data.pop(key, None)
        if tx is not None:
            await self.send_bill(update, lang, tx, reseller=False)
        return ConversationHandler.END

    @staticmethod
    def number_refusal(lang: str, error: InvalidCustomerNumber, typed: str) -> str:
        """Which rule a customer number broke, then what is expected."""
        rule = error.number_rule
        length = len(re.sub(r"[\s\-.]", "", typed))
        why = t(lang, f"why_{error.rule}", length=length, min=rule.min_length, max=rule.max_length)
        return t(lang, "number_invalid", why=Raw(why), hint=hint(lang, rule.hint))

    async def inquire(
        self, update: Update, lang: str, code: str, number: str, months: int = 1
    ) -> tuple[Transaction | None, bool]:
        """Run an inquiry with 'typing…' shown and explain any refusal.

        Returns the transaction (None when there is no bill) and whether to ask for the
        number again (a wrong number keeps the customer in the number step).
        """
        assert update.effective_chat is not None and update.effective_user is not None
        await update.get_bot().send_chat_action(update.effective_chat.id, ChatAction.TYPING)
        typing = asyncio.create_task(keep_typing(update.get_bot(), update.effective_chat.id))
        try:
            return await self.service.inquire(update.effective_user.id, code, number, months=months), False
        except UnknownProduct:
            await self.reply(update, t(lang, "unknown_product", product=code, codes=", ".join(self.products)))
        except InvalidCustomerNumber as error:
            await self.reply(update, self.number_refusal(lang, error, number))
            return None, True
        except InvalidMonths:
            await self.reply(update, t(lang, "months_invalid", most=MAX_MONTHS))
            return None, False
        except InquiryError as error:
            await self.reply(update, render.reason_text(lang, error.reason))
            return None, error.reason is Reason.WRONG_NUMBER
        finally:
            typing.cancel()
        return None, False

    async def send_bill(self, update: Update, lang: str, tx: Transaction, *, reseller: bool) -> None:
        balance = self.service.balance(tx.user_id)
        if reseller:
            text = render.reseller_bill(lang, tx, balance)
        else:
            text = render.bill_text(lang, tx, balance)
        message = await self.reply(update, text, keyboards.bill(lang, tx))
        self.service.set_notify(tx.ref_id, self.notify_for(message, lang))

    # -- the bill's buttons (work in and out of the conversation, for old bills too) ---------
    async def pay_pressed(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None and query.message is not None
        lang = self.lang(update)
        ref = query.data.split(":", 1)[1]
        user_id = query.from_user.id
        try:
            tx = self.service.get(ref, user_id)
        except TransactionNotFound:
            await answer(query, t(lang, "cb_unknown"), show_alert=True)
            return
        if tx.user_id != user_id:  # an admin in a group chat: only the owner pays, and the bill stays
            await answer(query, t(lang, "cb_not_yours"), show_alert=True)
            return
        if TxState(tx.state) is not TxState.INQUIRED:
            await self._answer_unpayable(query, lang, tx)
            return
        await answer(query)
        try:
            await self.edit(query, t(lang, "processing", ref=tx.ref_id))
        except BadRequest as error:  # the message went away; the outcome is sent anew below
            log.info("could not show 'processing' for %s: %s", tx.ref_id, error)
        try:
            self.service.set_notify(tx.ref_id, self.notify_for(query.message, lang))
            tx = await self.service.pay(ref, user_id)
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
            # Another program holds a lock on the database (a backup, an sqlite3 shell). A payment
            # not recorded was not sent: its bill and buttons come back. Else it shows its state.
            now = self.service.get(ref, user_id)
            if TxState(now.state) is TxState.INQUIRED:
                text = render.bill_text(lang, now, self.service.balance(user_id))
                await self.edit(query, text + "\n\n" + t(lang, "db_busy_pay"), keyboards.bill(lang, now))
            else:
                await self.edit(query, render.outcome_text(lang, now))
            return
        except NotPayable as error:
            await self.edit(query, render.outcome_text(lang, error.transaction))
            return
        except InquiryExpired as error:
            await self.edit(query, render.outcome_text(lang, error.transaction))
            return
        except BillBeingPaid as error:
            note = t(lang, "bill_being_paid", ref=error.other.ref_id)
            await self.edit(
                query,
                render.bill_text(lang, tx, self.service.balance(user_id)) + "\n\n" + note,
                keyboards.bill(lang, tx),
            )
            return
        except InsufficientBalance as error:
            text = (
                render.bill_text(lang, tx, error.balance)
                + "\n\n"
                + t(
                    lang,
                    "insufficient",
                    balance=render.rupiah(error.balance),
                    needed=render.rupiah(error.needed),
                    shortfall=render.rupiah(error.shortfall),
                    user_id=user_id,
                )
            )
            await self.edit(query, text, keyboards.bill(lang, tx))
            return
        except TransactionNotFound:
            await self.edit(query, t(lang, "not_found", ref=ref))
            return
        # Money has moved: if the bill's message is gone, the outcome still reaches the user.
        message = query.message
        await edit_or_send(
            query.get_bot(), message.chat.id, message.message_id, render.outcome_text(lang, tx)
        )

    async def _answer_unpayable(self, query: CallbackQuery, lang: str, tx: Transaction) -> None:
        state = TxState(tx.state)
        if state is TxState.CANCELLED:
            note = t(lang, "state_cancelled", ref=tx.ref_id)
        elif state is TxState.EXPIRED:
            note = t(
                lang,
                "state_expired_paid" if tx.reason == Reason.ALREADY_PAID else "state_expired",
                ref=tx.ref_id,
            )
        else:
            note = t(lang, "already_paying", ref=tx.ref_id)
        await answer(query, note, show_alert=True)
        await self.edit(query, render.outcome_text(lang, tx))

    async def cancel_pressed(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        lang = self.lang(update)
        ref = query.data.split(":", 1)[1]
        try:
            tx = self.service.cancel(ref, query.from_user.id)
        except TransactionNotFound:
            await answer(query, t(lang, "cb_unknown"), show_alert=True)
            return
        except NotPayable as error:
            await self._answer_unpayable(query, lang, error.transaction)
            return
        await answer(query, t(lang, "cb_cancelled"))
        await self.edit(query, render.outcome_text(lang, tx))

    async def stale_button(self, update: Update, context: Context) -> None:
        """A button of a finished guided step (e.g. after a restart): answer, never hang."""
        query = update.callback_query
        assert query is not None
        await answer(query, t(self.lang(update), "cb_unknown"))

    async def not_text(self, update: Update, context: Context) -> None:
        """A photo, sticker, voice note… in a private chat: say what the bot reads."""
        await self.reply(update, t(self.lang(update), "text_only"))

    async def edited(self, update: Update, context: Context) -> None:
        """An edited message is never acted on (an edited /topup must not top up twice)."""
        chat = update.effective_chat
        if chat is not None and chat.type == chat.PRIVATE:
            await self.reply(update, t(self.lang(update), "edited_ignored"))

    # -- history, receipts, wallet -----------------------------------------------------------
    async def show_status_overview(self, update: Update, lang: str) -> None:
        """The menu's status button: the latest transactions, open payments asked afresh."""
        assert update.effective_user is not None
        user_id = update.effective_user.id
        txs = self.service.history(user_id, limit=HISTORY_PAGE)
        if not txs:
            await self.reply(update, t(lang, "history_empty") + "\n" + t(lang, "status_overview_hint"))
            return
        fresh = []
        for tx in txs:
            if tx.state in (TxState.PAYING, TxState.PENDING):
                tx = await self.service.refresh(tx.ref_id, user_id)
            fresh.append(tx)
        lines = [t(lang, "status_overview_title")]
        lines += [render.tx_line(lang, tx, "status_line") for tx in fresh]
        lines.append(t(lang, "status_overview_hint"))
        await self.reply(update, "\n".join(lines), keyboards.history(lang, fresh, 0, len(fresh), len(fresh)))

    async def history(self, update: Update, context: Context) -> None:
        await self.show_history(update, self.lang(update), 0, edit=None)

    async def history_page(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        try:
            offset = max(0, int(query.data.split(":", 1)[1]))
        except ValueError:
            offset = 0
        await answer(query)
        await self.show_history(update, self.lang(update), offset, edit=query)

    async def show_history(self, update: Update, lang: str, offset: int, edit: CallbackQuery | None) -> None:
        assert update.effective_user is not None
        user_id = update.effective_user.id
        total = self.service.count_history(user_id)
        if offset >= total:  # a page past the end (an old or forged button): the last page
            offset = max(0, (total - 1) // HISTORY_PAGE * HISTORY_PAGE)
        txs = self.service.history(user_id, limit=HISTORY_PAGE, offset=offset)
        if not txs:
            text, markup = t(lang, "history_empty"), None
        else:
            head = t(lang, "history_title", start=offset + 1, end=offset + len(txs), total=total)
            text = "\n".join([head, *(render.tx_line(lang, tx) for tx in txs)])
            markup = keyboards.history(lang, txs, offset, HISTORY_PAGE, total)
        if edit is not None:
            await self.edit(edit, text, markup)
        else:
            await self.reply(update, text, markup)

    async def receipt(self, update: Update, context: Context) -> None:
        lang = self.lang(update)
        if len(context.args or []) != 1:
            await self.reply(update, t(lang, "usage_receipt"))
            return
        await self.reply(update, self.receipt_for(lang, update, context.args[0]))  # type: ignore[index]

    async def receipt_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        lang = self.lang(update)
        await answer(query)
        await self.reply(update, self.receipt_for(lang, update, query.data.split(":", 1)[1]))

    def receipt_for(self, lang: str, update: Update, ref: str) -> str:
        assert update.effective_user is not None
        try:
            tx = self.service.get(ref.strip().upper(), update.effective_user.id)
        except TransactionNotFound:
            return t(lang, "not_found", ref=ref)
        return render.outcome_text(lang, tx)

    async def saldo(self, update: Update, context: Context) -> None:
        assert update.effective_user is not None
        await self.reply(update, self.wallet_text(self.lang(update), update.effective_user.id))

    def wallet_text(self, lang: str, user_id: int) -> str:
        lines = [t(lang, "wallet_title", amount=render.rupiah(self.service.balance(user_id)))]
        entries = self.service.statement(user_id, limit=10)
        lines += [render.wallet_line(lang, e) for e in entries] or [t(lang, "wallet_empty")]
        return "\n".join(lines)

    # -- the reseller's one-line commands ----------------------------------------------------
    async def pay_command(self, update: Update, context: Context) -> None:
        await self.run_line(update, "BAYAR " + " ".join(context.args or []))

    async def status_command(self, update: Update, context: Context) -> None:
        lang = self.lang(update)
        if len(context.args or []) != 1:
            await self.reply(update, t(lang, "usage_status"))
            return
        await self.run_line(update, "STATUS " + context.args[0])  # type: ignore[index]

    async def text_line(self, update: Update, context: Context) -> None:
        assert update.message is not None and update.effective_chat is not None
        text = update.message.text or ""
        if update.effective_chat.type != update.effective_chat.PRIVATE and not names_keyword(text):
            return  # people talking in a group: only lines meant for Loket get an answer
        await self.run_line(update, text)

    async def stray_command(self, update: Update, context: Context) -> None:
        """A command no handler took. In a group it may be another bot's (/start@other_bot)."""
        assert update.message is not None and update.effective_chat is not None
        if update.effective_chat.type != update.effective_chat.PRIVATE:
            _, _, addressee = (update.message.text or "").split(maxsplit=1)[0].partition("@")
            if addressee.lower() != (context.bot.username or "").lower():
                return
        await self.unknown_command(update, context)

    async def cancel_command(self, update: Update, context: Context) -> None:
        """/cancel outside the guided payment: nothing to cancel (a bill has its own button)."""
        await self.reply(update, t(self.lang(update), "nothing_to_cancel"))

    async def run_line(self, update: Update, line: str) -> None:
        lang = self.lang(update)
        assert update.effective_user is not None
        user_id = update.effective_user.id
        try:
            command = parse_command(line)
        except GrammarError:
            await self.reply(update, t(lang, "grammar_help"))
            return
        if command.verb in (Verb.INQUIRE, Verb.PAY):
            await self.reseller_inquiry(update, lang, command)
        elif command.verb is Verb.REPORT:
            await self.reply(update, self.day_report(lang, user_id, command.day))
        elif command.verb is Verb.STATEMENT:
            await self.reply(update, self.wallet_text(lang, user_id))
        elif command.verb is Verb.BALANCE:
            await self.reply(
                update, t(lang, "r_balance_only", balance=render.rupiah(self.service.balance(user_id)))
            )
        elif command.verb is Verb.STATUS_REF:
            await self.reply(update, await self.status_of_ref(lang, user_id, command.ref))
        else:
            await self.reply(update, await self.status_of_customer(lang, user_id, command.customer_number))

    def _split_line(self, command: Command) -> tuple[str, str, int]:
        """Product and number of a CEK/BAYAR line, knowing the catalogue: a number typed in
        short groups (CEK PLNPOSTPAID 5300 0000 0000) is read as one number after a known
        product. A long number followed by more digits (BAYAR.PLNPOSTPAID.530000000001.1234, a
        PIN by habit) is never glued into another customer's number: it stays an unknown product.
        A product paid by the month takes the months last: CEK.BPJS.8801234560000.3."""
        if command.product in self.products:
            return command.product, command.customer_number, 1
        words = [*command.product.split("."), command.customer_number]
        monthly = ".".join(words[:-2])
        if (
            len(words) >= 3
            and monthly in self.products
            and self.products[monthly].needs_month
            and words[-2].isdigit()
            and MONTHS_WORD.fullmatch(words[-1])
        ):
            return monthly, words[-2], int(words[-1])
        for cut in range(len(words) - 1, 0, -1):
            product, rest = ".".join(words[:cut]), words[cut:]
            if product in self.products and all(NUMBER_GROUP.fullmatch(w) for w in rest):
                return product, "".join(rest), 1
        return command.product, command.customer_number, 1

    async def reseller_inquiry(self, update: Update, lang: str, command: Command) -> None:
        product, number, months = self._split_line(command)
        tx, _ = await self.inquire(update, lang, product, number, months=months)
        if tx is None:
            return
        balance = self.service.balance(tx.user_id)
        text = render.reseller_bill(lang, tx, balance)
        if command.verb is Verb.PAY:
            text += "\n" + t(lang, "bill_confirm")
        message = await self.reply(update, text, keyboards.bill(lang, tx))
        self.service.set_notify(tx.ref_id, self.notify_for(message, lang))

    async def status_of_ref(self, lang: str, user_id: int, ref: str) -> str:
        try:
            tx = self.service.get(ref, user_id)
            if not tx.is_final:
                tx = await self.service.refresh(ref, user_id)
        except TransactionNotFound:
            return t(lang, "not_found", ref=ref)
        lines = [render.tx_line(lang, tx, "status_line")]
        if TxState(tx.state) is TxState.SUCCESS and tx.biller_ref:
            lines.append(t(lang, "receipt_biller_ref", biller_ref=tx.biller_ref))
        elif TxState(tx.state) is TxState.FAILED:
            lines.append(render.reason_text(lang, tx.reason))
        return "\n".join(lines)

    def day_report(self, lang: str, user_id: int, day: Any) -> str:
        """LAP: the reseller's payments of a day (today by default), figures first."""
        stats, txs = self.service.report(user_id, day)
        label = datetime.fromisoformat(stats.day).strftime("%d/%m/%Y")
        if not txs:
            return t(lang, "r_report_none", day=label)
        lines = [
            t(
                lang,
                "r_report_title",
                day=label,
                count=stats.count,
                success=stats.success,
                volume=render.rupiah(stats.volume),
                pending=stats.pending,
                failed=stats.failed,
            )
        ]
        shown = txs[-REPORT_SHOWN:]  # the latest, oldest first
        if len(txs) > len(shown):
            lines.append(t(lang, "r_report_more", more=len(txs) - len(shown)))
        lines += [
            t(
                lang,
                "r_report_line",
                time=render.jakarta_time(tx.paid_at)[-8:-3],
                ref=tx.ref_id,
                product=tx.product_code,
                number=tx.customer_number,
                amount=render.rupiah(tx.amount),
                state=render.state_text(lang, tx.state),
            )
            for tx in shown
        ]
        return "\n".join(lines)

    async def status_of_customer(self, lang: str, user_id: int, number: str) -> str:
        txs = self.service.find_by_customer(user_id, number, limit=10)
        if not txs:
            return t(lang, "status_none", number=number)
        return "\n".join(render.tx_line(lang, tx, "status_line") for tx in txs)

    # -- the operator's commands -------------------------------------------------------------
    async def unknown_command(self, update: Update, context: Context) -> None:
        await self.reply(update, t(self.lang(update), "unknown_command"))

    async def topup(self, update: Update, context: Context) -> None:
        await self._wallet_command(
            update, context, min_args=2, usage="usage_topup", parse=parse_amount,
            apply=self.service.top_up, done="topup_done", notice="topup_notice",
        )  # fmt: skip

    async def adjust(self, update: Update, context: Context) -> None:
        await self._wallet_command(
            update, context, min_args=3, usage="usage_adjust", parse=parse_signed_amount,
            apply=self.service.adjust, done="adjust_done", notice=None,
        )  # fmt: skip

    async def _wallet_command(
        self,
        update: Update,
        context: Context,
        *,
        min_args: int,
        usage: str,
        parse: Any,
        apply: Any,
        done: str,
        notice: str | None,
    ) -> None:
        """`/topup` and `/adjust`: <telegram_user_id> <amount> [reason], for admins only."""
        if not self.is_admin(update):
            await self.unknown_command(update, context)
            return
        lang = self.lang(update)
        args = context.args or []
        if len(args) < min_args:
            await self.reply(update, t(lang, usage))
            return
        target = self._user_id(args[0])
        if target is None:
            await self.reply(update, t(lang, "bad_user_id"))
            return
        try:
            amount = parse(args[1])
        except AmountError as error:
            await self.reply(update, t(lang, "bad_amount", error=Raw(t(lang, f"amount_{error.kind}"))))
            return
        admin_id = update.effective_user.id  # type: ignore[union-attr]
        try:
            entry = apply(admin_id, target, amount, " ".join(args[2:]))
        except InvalidAmount:  # the amount parsed, so only a balance going below zero is left
            why = t(lang, "amount_negative", balance=render.rupiah(self.service.balance(target)))
            await self.reply(update, t(lang, "bad_amount", error=Raw(why)))
            return
        balance = render.rupiah(entry.balance_after)
        await self.reply(update, t(lang, done, amount=render.rupiah(amount), user_id=target, balance=balance))
        if notice is not None:
            await self._tell_user(update, target, notice, amount, entry.balance_after)

    @staticmethod
    def _user_id(text: str) -> int | None:
        return int(text) if re.fullmatch(r"[0-9]{1,15}", text) else None

    async def _tell_user(self, update: Update, user_id: int, key: str, amount: int, balance: int) -> None:
        user = self.service.get_user(user_id)
        lang = user.language if user is not None else "id"
        try:
            await update.get_bot().send_message(
                user_id,
                t(lang, key, amount=render.rupiah(amount), balance=render.rupiah(balance)),
                parse_mode=HTML,
            )
        except TelegramError as error:  # the user may never have started the bot
            log.info("could not tell user %s about a top-up: %s", user_id, error)

    async def role(self, update: Update, context: Context) -> None:
        """`/role <telegram_user_id> <reseller|customer>`: an operator marks a reseller."""
        if not self.is_admin(update):
            await self.unknown_command(update, context)
            return
        lang = self.lang(update)
        args = context.args or []
        roles = {"reseller": Role.RESELLER, "customer": Role.CUSTOMER, "pelanggan": Role.CUSTOMER}
        if len(args) != 2 or args[1].lower() not in roles:
            await self.reply(update, t(lang, "usage_role"))
            return
        target = self._user_id(args[0])
        if target is None:
            await self.reply(update, t(lang, "bad_user_id"))
            return
        try:
            user = self.service.set_role(update.effective_user.id, target, roles[args[1].lower()])  # type: ignore[union-attr]
        except PermissionError:
            await self.reply(update, t(lang, "role_admin"))
            return
        await self.reply(
            update, t(lang, "role_done", user_id=target, role=t(lang, f"role_{user.role.value}"))
        )

    async def deposit(self, update: Update, context: Context) -> None:
        if not self.is_admin(update):
            await self.unknown_command(update, context)
            return
        lang = self.lang(update)
        deposit = await self.service.deposit()
        if deposit is None:
            await self.reply(update, t(lang, "deposit_none"))
        elif deposit.as_of is None:
            await self.reply(update, t(lang, "deposit", amount=render.rupiah(deposit.amount)))
        else:
            time = render.jakarta_time(deposit.as_of)
            await self.reply(
                update, t(lang, "deposit_as_of", amount=render.rupiah(deposit.amount), time=time)
            )

    async def stats(self, update: Update, context: Context) -> None:
        if not self.is_admin(update):
            await self.unknown_command(update, context)
            return
        lang = self.lang(update)
        s = self.service.stats()
        await self.reply(
            update,
            t(
                lang,
                "stats",
                day=s.day,
                count=s.count,
                success=s.success,
                failed=s.failed,
                pending=s.pending,
                volume=render.rupiah(s.volume),
                profit=render.rupiah(s.profit),
            ),
        )

    async def pending(self, update: Update, context: Context) -> None:
        if not self.is_admin(update):
            await self.unknown_command(update, context)
            return
        lang = self.lang(update)
        txs = self.service.pending()
        if not txs:
            await self.reply(update, t(lang, "pending_none"))
            return
        now = datetime.now(UTC)
        shown = txs[:PENDING_SHOWN]  # one message: Telegram refuses more than 4096 characters
        lines = [t(lang, "pending_title", count=len(txs))]
        lines += [
            t(
                lang,
                "pending_line",
                ref=tx.ref_id,
                product=tx.product_code,
                number=tx.customer_number,
                amount=render.rupiah(tx.amount),
                state=render.state_text(lang, tx.state),
                age=render.age_text((now - (tx.paid_at or tx.created_at)).total_seconds()),
                flag=Raw(t(lang, "pending_flag")) if tx.flagged else "",
            )
            for tx in shown
        ]
        if len(txs) > len(shown):
            lines.append(t(lang, "pending_more", more=len(txs) - len(shown)))
        await self.reply(update, "\n".join(lines))


def make_observer(
    application: Application[Any, Any, Any, Any, Any, Any],
    admin_ids: list[int] | None = None,
    follow_hours: int = 24,
    service: Any = None,
) -> Any:
    """The core's observer: edit the transaction's message into its outcome, or send a new one.

    When the chat has moved on since (the bot sent newer messages), the edit alone would go
    unseen far up the chat, so a new message tells the user as well. A payment still pending
    after the follow-up window is flagged: the operators are told, since only they can settle
    it with the biller.
    """

    async def tell_operators(tx: Transaction) -> None:
        def text(lang: str) -> str:
            return t(
                lang,
                "flagged_admin",
                ref=tx.ref_id,
                product=tx.product_code,
                number=tx.customer_number,
                amount=render.rupiah(tx.amount),
                hours=follow_hours,
                user_id=tx.user_id,
            )

        await _tell_operators(application, service, admin_ids or [], tx, text)

    async def on_settled(tx: Transaction) -> None:
        if tx.flagged and not tx.is_final:
            await tell_operators(tx)
            return
        notify = tx.notify or {}
        if not tx.is_final or notify.get("chat_id") is None:
            return
        chat_id = int(notify["chat_id"])
        message_id = notify.get("message_id")
        owner = service.get_user(tx.user_id) if service is not None else None
        lang = owner.language if owner is not None else notify.get("lang") or "id"  # as they read now
        text = render.outcome_text(lang, tx)
        last = application.chat_data.get(chat_id, {}).get(LAST_MESSAGE)
        try:
            edited = await edit_or_send(application.bot, chat_id, message_id, text)
            if edited and message_id is not None and last is not None and int(last) > int(message_id):
                await application.bot.send_message(chat_id, fit(text), parse_mode=HTML)
        except Forbidden as error:  # the user blocked the bot: telling again would not help
            log.info("could not tell chat %s about %s: %s", chat_id, tx.ref_id, error)
        # any other failure (Telegram down, 5xx) propagates: the core records it and tells again

    return on_settled


def _operator_lang(service: Any, admin_id: int) -> str:
    """The operator's own language when they have used the bot, else Indonesian."""
    user = service.get_user(admin_id) if service is not None else None
    return user.language if user is not None else "id"


async def _tell_operators(
    application: Any, service: Any, admin_ids: list[int], tx: Transaction, text: Callable[[str], str]
) -> None:
    """Send each operator `text(their language)`; one who never opened the chat is skipped."""
    for admin_id in admin_ids:
        try:
            await application.bot.send_message(
                admin_id, text(_operator_lang(service, admin_id)), parse_mode=HTML
            )
        except TelegramError as error:
            log.warning("could not tell operator %s about %s: %s", admin_id, tx.ref_id, error)


def make_alarm(
    application: Application[Any, Any, Any, Any, Any, Any], service: Any, admin_ids: list[int]
) -> Any:
    """The core's alarm: a provider contradicts a settled payment (e.g. refunded, then paid),
    or a success names another total than the bill the user confirmed.

    A final state never changes and no money moves by itself, so the operators are told at
    once, with what to check; they put it right with the biller and /adjust.
    """

    async def on_alarm(tx: Transaction, result: PaymentResult) -> None:
        contradicts = result.outcome.value != tx.state.value

        def text(lang: str) -> str:
            return t(
                lang,
                "contradiction_admin" if contradicts else "amount_mismatch_admin",
                bill=render.rupiah(tx.bill_total),
                charged=render.rupiah(result.amount or 0),
                ref=tx.ref_id,
                product=tx.product_code,
                number=tx.customer_number,
                amount=render.rupiah(tx.amount),
                state=render.state_text(lang, tx.state),
                outcome=render.state_text(lang, TxState(result.outcome.value)),
                code=result.provider_code or "-",
                user_id=tx.user_id,
            )

        await _tell_operators(application, service, admin_ids, tx, text)

    return on_alarm


def make_error_handler(service: Any) -> Any:
    async def handle(update: object, context: Context) -> None:
        await on_error(update, context, service)

    return handle


async def on_error(update: object, context: Context, service: Any = None) -> None:
    """Log the failure (secrets are masked by bot/logs.py) and tell the user something went wrong,
    in their own language (the one they picked with /lang, else Telegram's)."""
    busy = context.error is not None and is_busy(context.error)
    if busy:  # another program holds a lock on the database: nothing is wrong with the bot
        log.warning("database busy: the user is asked to try again")
    else:
        log.error("handler failed: %s", type(context.error).__name__, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        lang = "id"
        if update.effective_user is not None and update.effective_user.language_code:
            lang = norm_lang(update.effective_user.language_code)
        if update.effective_user is not None and service is not None:
            with contextlib.suppress(Exception):  # the database may be what failed
                known = service.get_user(update.effective_user.id)
                lang = known.language if known is not None else lang
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await answer(update.callback_query)
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                update.effective_chat.id, t(lang, "db_busy" if busy else "error_generic"), parse_mode=HTML
            )


def register(application: Application[Any, Any, Any, Any, Any, Any], h: LoketHandlers) -> None:
    """Wire every handler. The guided payment is a persistent conversation."""
    h.chat_data = application.chat_data
    # Only new messages are acted on. PTB's CommandHandler also takes *edited* messages by
    # default: an edited "/topup 1001 50000" would top the wallet up a second time.
    new = filters.UpdateType.MESSAGE

    def command(names: str | list[str], callback: Any) -> CommandHandler[Any, Any]:
        return CommandHandler(names, callback, filters=new)

    cancel_flow = CallbackQueryHandler(h.flow_cancelled, pattern=r"^cancelflow$")
    # The flow mixes buttons and typed numbers, so it is tracked per chat and user, not per
    # message (per_message=False, on purpose): PTB's warning about that is noise in our logs.
    warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
    conversation = ConversationHandler(
        entry_points=[
            command("bayar", h.pay_entry),
            CallbackQueryHandler(h.pay_entry, pattern=r"^m:pay$"),
        ],
        states={
            CATEGORY: [CallbackQueryHandler(h.category_chosen, pattern=r"^cat:"), cancel_flow],
            PRODUCT: [
                CallbackQueryHandler(h.product_chosen, pattern=r"^prod:"),
                CallbackQueryHandler(h.back_to_categories, pattern=r"^back$"),
                cancel_flow,
            ],
            NUMBER: [
                MessageHandler(new & filters.TEXT & ~filters.COMMAND, h.number_given),
                CallbackQueryHandler(h.back_to_products, pattern=r"^back$"),
                cancel_flow,
            ],
            MONTHS: [
                CallbackQueryHandler(h.months_chosen, pattern=r"^mon:"),
                CallbackQueryHandler(h.back_to_products, pattern=r"^back$"),
                cancel_flow,
            ],
        },
        fallbacks=[
            command("start", h.start),
            command("cancel", h.flow_cancelled),
            command("bayar", h.pay_entry),
        ],
        name="pay",
        persistent=True,
        allow_reentry=True,
    )
    application.add_handler(conversation)
    application.add_error_handler(make_error_handler(h.service))
    application.add_handlers(
        [
            command("start", h.start),
            command("cancel", h.cancel_command),
            command("help", h.help),
            command("lang", h.lang_command),
            command("history", h.history),
            command("receipt", h.receipt),
            command("saldo", h.saldo),
            command("status", h.status_command),
            command("pay", h.pay_command),
            command("topup", h.topup),
            command("adjust", h.adjust),
            command("role", h.role),
            command("deposit", h.deposit),
            command("stats", h.stats),
            command("pending", h.pending),
            CallbackQueryHandler(h.pay_pressed, pattern=r"^pay:"),
            CallbackQueryHandler(h.cancel_pressed, pattern=r"^cancel:"),
            CallbackQueryHandler(h.history_page, pattern=r"^hist:"),
            CallbackQueryHandler(h.receipt_button, pattern=r"^rcpt:"),
            CallbackQueryHandler(h.lang_chosen, pattern=r"^lang:"),
            CallbackQueryHandler(h.menu_choice, pattern=r"^m:"),
            CallbackQueryHandler(h.stale_button),
            MessageHandler(new & filters.COMMAND, h.stray_command),
            MessageHandler(new & filters.TEXT, h.text_line),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE, h.edited),
            MessageHandler(new & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, h.not_text),
        ]
    )
