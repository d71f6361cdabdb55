"""Everything the bot says in English: the same keys and {placeholders} as id.py."""

TEXTS: dict[str, str] = {
    "welcome": "Hello, <b>{name}</b>! Welcome to <b>Loket</b>, where you pay your monthly bills.\n"
    "Pick from the menu below.",
    "menu_pay": "💡 Pay a bill",
    "menu_status": "🔎 Check a status",
    "menu_history": "🧾 History",
    "menu_wallet": "👛 Wallet",
    "menu_help": "❓ Help",
    "help": "<b>Loket</b> pays postpaid bills from your wallet.\n"
    "/bayar – pay a bill step by step\n"
    "/history – recent transactions\n"
    "/receipt &lt;ref&gt; – show a receipt again\n"
    "/status &lt;ref&gt; – check a transaction\n"
    "/saldo – wallet balance and entries\n"
    "/lang – change language\n"
    "Short forms: CEK.PRODUCT.NUMBER, BAYAR.PRODUCT.NUMBER, STATUS.REF, SAL, MUTASI, LAP",
    "help_admin": "<b>Operator</b>\n"
    "/topup &lt;id&gt; &lt;amount&gt; [reason] – top up a user's wallet\n"
    "/adjust &lt;id&gt; &lt;+/-amount&gt; &lt;reason&gt; – correct a wallet\n"
    "/role &lt;id&gt; reseller|customer – mark a reseller\n"
    "/deposit – the deposit at the biller\n"
    "/stats [DD/MM/YYYY] – a day's figures, per product and per reseller\n"
    "/user &lt;id&gt;, /saldo &lt;id&gt;, /history &lt;id&gt; – look a user up\n"
    "/export [mutasi] &lt;DD/MM/YYYY&gt;[-&lt;DD/MM/YYYY&gt;] – payments or wallet entries as CSV\n"
    "/pending – transactions waiting for the biller\n"
    "/resolve &lt;ref&gt; success &lt;biller ref&gt; | failed &lt;reason&gt; – close a stuck "
    "payment (the biller is asked first)",
    "lang_pick": "Choose a language:",
    "lang_name": "English",
    "lang_set": "Language set to English.",
    "choose_category": "Choose a kind of bill:",
    "choose_product": "Choose a <b>{category}</b> product:",
    "ask_number": "<b>{product}</b>\nSend the customer number: {hint}",
    "ask_months": "<b>{product}</b> {number}\nPay for how many months?",
    "btn_months": "{n} mo",
    "months_chosen": "<b>{product}</b> {number}: {months} months",
    "months_invalid": "A number of months is only for monthly products (BPJS), 1 to {most}.",
    "btn_back": "« Back",
    "btn_cancel": "✖ Cancel",
    "btn_pay": "Pay {amount}",
    "btn_prev": "« Previous",
    "btn_next": "Next »",
    "btn_receipt": "Receipt {ref}",
    "cancelled": "Cancelled. Send /start for the menu.",
    "nothing_to_cancel": "Nothing is in progress to cancel. Send /start for the menu.",
    "bill_title": "<b>{product} bill</b>",
    "bill_ref": "Ref: <code>{ref}</code>",
    "bill_customer": "Customer: {number}, <b>{name}</b>",
    "bill_line": "• {period}: {amount}",
    "bill_admin": "Admin fee: {amount}",
    "bill_fee": "Service fee: {amount}",
    "bill_total": "<b>Total: {amount}</b>",
    "bill_balance_after": "Wallet after payment: {amount}",
    "bill_balance_short": "Your wallet holds {balance}, {shortfall} short.",
    "bill_confirm": "Press <b>Pay</b> to pay.",
    "processing": "⏳ Payment {ref} is being processed…",
    "receipt_title": "✅ <b>PAYMENT RECEIPT</b>",
    "receipt_ref": "Ref: <code>{ref}</code>",
    "receipt_product": "Product: {product}",
    "receipt_customer": "Customer number: {number}",
    "receipt_name": "Name: {name}",
    "receipt_periods": "Periods: {periods}",
    "receipt_bill": "Bill: {amount}",
    "receipt_admin": "Admin fee: {amount}",
    "receipt_penalty": "Late fee: {amount}",
    "receipt_fee": "Service fee: {amount}",
    "receipt_paid": "<b>Paid: {amount}</b>",
    "receipt_biller_ref": "Biller ref/token: <code>{biller_ref}</code>",
    "receipt_time": "Time: {time} WIB",
    "pending": "⏳ Transaction {ref} is being processed, do not repeat it.\n"
    "We will tell you when it is done.",
    "failed": "❌ Payment {ref} failed: {reason}\nRefunded to your wallet: {amount}.",
    "outcome_subject": "{product} · {number}, {name}",
    "state_cancelled": "Bill {ref} was cancelled. Check the bill again to pay.",
    "state_expired": "Bill {ref} has expired. Check the bill again to pay.",
    "state_expired_paid": "Bill {ref} was paid by another transaction after it was checked. "
    "Your wallet was not charged. Check the bill again if anything is still due.",
    "state_inquired": "Bill {ref} is not paid yet.",
    "already_paying": "Transaction {ref} is already paid or being processed, do not repeat it.",
    "bill_being_paid": "⏳ This bill is being paid by transaction {ref}, do not repeat it. "
    "Wait for its result; your wallet was not charged.",
    "cb_cancelled": "Bill cancelled.",
    "cb_unknown": "This button is no longer valid.",
    "insufficient": "Not enough in your wallet: balance {balance}, needed {needed}, "
    "short <b>{shortfall}</b>.\n"
    "Ask the operator for a top-up and give your Telegram id: <code>{user_id}</code>.",
    "not_found": "Transaction {ref} not found.",
    "reason_already_paid": "The bill is already paid.",
    "reason_wrong_number": "Wrong customer number. Check it and send it again.",
    "reason_bill_not_available": "No bill is available yet for this number.",
    "reason_biller_down": "The biller's service is down. Please try later.",
    "reason_timeout": "The biller did not answer in time. Please try later.",
    "reason_busy": "⏳ Busy right now: many bills are being handled. Please try again in a minute.",
    "reason_payment_failed": "The biller refused the payment.",
    "reason_blocked": "The customer number is blocked.",
    "reason_pay_at_counter": "This bill must be paid at an official counter.",
    "reason_limit_exceeded": "Transaction limit reached. Please try later.",
    "reason_insufficient_deposit": "The service is unavailable right now. Please try later.",
    "reason_other": "The bill cannot be handled right now. Please try later.",
    "number_invalid": "That customer number does not fit: {why} Expected: {hint}",
    "why_empty": "it is empty.",
    "why_digits": "only digits are allowed.",
    "why_too_short": "too short ({length} digits, at least {min}).",
    "why_too_long": "too long ({length} digits, at most {max}).",
    "why_prefix": "its first digits do not fit this product.",
    "unknown_product": "Unknown product {product}. Products: {codes}",
    "inquiry_limited": "⏳ Too many bill checks in a short time. Slow down: try again in {wait}.",
    "history_title": "<b>Transaction history</b> ({start}–{end} of {total})",
    "history_empty": "No transactions yet.",
    "history_line": "<code>{ref}</code> {product} {number} {amount} – {state}",
    "wallet_title": "👛 Your wallet: <b>{amount}</b>",
    "wallet_line": "{time} {kind} {amount} → {balance} {ref}",
    "wallet_empty": "No wallet entries yet.",
    "status_line": "{ref} {product} {number} {amount} {state}",
    "status_none": "No transactions for number {number}.",
    "status_overview_title": "<b>Latest transactions</b>",
    "status_overview_hint": "For one transaction: STATUS.&lt;REF&gt; or STATUS.&lt;CUSTOMER NUMBER&gt;.",
    "text_only": "Sorry, Loket only reads text messages. Send /help for help.",
    "cb_not_yours": "This bill belongs to another user.",
    "edited_ignored": "Edited messages are not acted on. Please send it as a new message.",
    "r_bill": "Ref={ref} {product} {number} name {name} bill {bill} admin {admin} total {total}",
    "r_balance": "Wallet {balance} - {total} = {after}",
    "r_balance_only": "Wallet {balance}",
    "r_report_title": "<b>Report {day}</b>: {count} transactions, {success} succeeded ({volume}), "
    "{pending} processing, {failed} failed",
    "r_report_paid": "You paid (succeeded): bills {bill} + service fee {markup} = <b>{amount}</b>",
    "r_report_held": "Still processing: {amount} debited ({count} transactions, refunded if they fail)",
    "r_report_line": "{time} <code>{ref}</code> {product} {number}: {bill} + {markup} = {amount} {state}",
    "r_report_more": "(… {more} earlier transactions not shown)",
    "r_report_none": "No transactions on {day}.",
    "r_report_range": "The report's day must be between {first} and {last}.",
    "grammar_help": "Unknown format. Examples:\n"
    "CEK.PLNPOSTPAID.530000000001 – check a bill\n"
    "BAYAR.PLNPOSTPAID.530000000001 – check, then pay\n"
    "/pay PLNPOSTPAID 530000000001\n"
    "CEK.BPJS.8801234560000.3 – BPJS for 3 months\n"
    "STATUS.&lt;REF&gt; or STATUS.&lt;NUMBER&gt; – status\n"
    "SAL – wallet balance, MUTASI – wallet entries\n"
    "LAP or LAP.25/11/2026 – that day's transactions",
    "unknown_command": "Unknown command. Send /help.",
    "usage_receipt": "Usage: /receipt &lt;ref&gt;",
    "usage_status": "Usage: /status &lt;ref&gt;",
    "usage_topup": "Usage: /topup &lt;telegram_id&gt; &lt;amount&gt; [reason]",
    "usage_adjust": "Usage: /adjust &lt;telegram_id&gt; &lt;+/-amount&gt; &lt;reason&gt;",
    "usage_role": "Usage: /role &lt;telegram_id&gt; reseller|customer",
    "role_done": "User {user_id} is now a {role}.",
    "role_admin": "Operators are named by ADMIN_IDS, not with /role.",
    "role_reseller": "reseller",
    "role_customer": "customer",
    "bad_amount": "Invalid amount: {error}",
    "amount_format": "write whole rupiah, thousands dots allowed, e.g. 50000 or 50.000.",
    "amount_zero": "must be more than zero.",
    "amount_too_big": "at most Rp 1.000.000.000.000 at a time.",
    "amount_sign": "start with + or -, e.g. +50.000 or -10.000.",
    "amount_negative": "a balance cannot go below zero (balance now {balance}).",
    "bad_user_id": "The Telegram id must be a number.",
    "topup_done": "Topped up {amount} for {user_id}. Balance now {balance}.",
    "adjust_done": "Adjusted {amount} for {user_id}. Balance now {balance}.",
    "topup_notice": "Your wallet received {amount}. Balance now {balance}.",
    "deposit": "Deposit at the biller: {amount}",
    "deposit_as_of": "Deposit at the biller: {amount}\n"
    "(reported by the biller at {time} WIB, with the last transaction)",
    "deposit_none": "The biller has not reported a deposit balance yet. A biller without a balance "
    "call (IAK) reports it with every payment, so it shows after the first one.",
    "stats": "<b>Statistics {day}</b>\nTransactions: {count}\nSuccess: {success}\nFailed: {failed}\n"
    "Pending: {pending}\nVolume: {volume}\nProfit: {profit}",
    "pending_none": "No pending transactions.",
    "pending_line": "<code>/resolve {ref}</code> {product} {number} {amount} {state} age {age}{flag}",
    "pending_flag": " ⚠ needs a look",
    "pending_title": "<b>{count} transactions waiting for the biller</b> (oldest first)",
    "pending_more": "… and {more} more.",
    "pending_resolve_hint": "A stuck one: check with the biller, copy its command, then add "
    "<code>success &lt;biller ref&gt;</code> or <code>failed &lt;reason&gt;</code>.",
    "usage_resolve": "Usage: /resolve &lt;ref&gt; success &lt;biller ref&gt;\n"
    "or: /resolve &lt;ref&gt; failed &lt;reason&gt;\n"
    "The biller is asked once more first; its final answer wins.",
    "resolve_need_success": "Give the biller's reference (serial number or token from the biller): "
    "/resolve {ref} success &lt;biller ref&gt;",
    "resolve_need_failed": "Give the reason: /resolve {ref} failed &lt;reason&gt;",
    "resolve_too_long": "That note is too long: at most {most} characters.",
    "resolve_settled": "Transaction {ref} is already settled ({state}) and does not change any more. "
    "If the biller says otherwise, correct the wallet with /adjust.",
    "resolve_not_paid": "Transaction {ref} was never paid ({state}): there is nothing to close.",
    "resolve_in_flight": "Payment {ref} is still waiting for the biller's answer. Try again shortly.",
    "resolve_done_success": "✅ {ref} ({product} {number}, {amount}) closed as SUCCESS on your word, "
    "biller ref {biller_ref}. The biller had just answered {status} (code {code}). "
    "User {user_id} has been told.",
    "resolve_done_failed": "❌ {ref} ({product} {number}) closed as FAILED on your word. "
    "The biller had just answered {status} (code {code}). User {user_id}'s wallet was refunded "
    "{amount} and the user has been told.",
    "resolve_biller_success": "ℹ The biller has just answered SUCCESS for {ref} (code {code}): "
    "its answer stands and your decision was not recorded. User {user_id} has been told.",
    "resolve_biller_failed": "ℹ The biller has just answered FAILED for {ref} (code {code}): "
    "its answer stands and your decision was not recorded. User {user_id}'s wallet was refunded "
    "{amount} and the user has been told.",
    "flagged_admin": "⚠ Transaction <code>{ref}</code> ({product} {number}, {amount}) has been "
    "pending at the biller for over {hours} hours. Check with the biller; user {user_id}'s wallet "
    "is still debited. Then close it: <code>/resolve {ref}</code> success &lt;biller ref&gt; or "
    "failed &lt;reason&gt;.",
    "flagged_settled_admin": "✅ Transaction <code>{ref}</code> ({product} {number}, {amount}), "
    "flagged for checking, is now {state}.",
    "error_generic": "Sorry, something went wrong. Please try again shortly.",
    "chat_flood": "✋ Too many messages at once. Slow down: further messages are not read until "
    "the earlier ones are answered. A Pay button you already tapped is still handled.",
    "db_busy": "⏳ Loket is busy for a moment. Please try again shortly.",
    "db_busy_pay": "⏳ Loket was busy for a moment: nothing was paid and your balance is unchanged. "
    "Tap Pay again shortly.",
    "amount_mismatch_admin": "🚨 Transaction <code>{ref}</code> ({product} {number}) succeeded, but the "
    "biller recorded a total of {charged}, not the {bill} of the bill user {user_id} confirmed. "
    "Check with the biller.",
    "contradiction_admin": "🚨 Transaction <code>{ref}</code> ({product} {number}, {amount}) is recorded "
    "as {state}, but the biller now answers {outcome} (code {code}). Neither the state nor any "
    "wallet changes by itself: check with the biller, then correct user {user_id}'s wallet with "
    "/adjust if needed.",
    "state_SUCCESS": "SUCCESS",
    "state_FAILED": "FAILED",
    "state_PENDING": "PROCESSING",
    "state_PAYING": "PROCESSING",
    "state_INQUIRED": "NOT PAID",
    "state_CANCELLED": "CANCELLED",
    "state_EXPIRED": "EXPIRED",
    "kind_topup": "top-up",
    "kind_debit": "payment",
    "kind_refund": "refund",
    "kind_adjustment": "adjustment",
    "cat_telkom": "Telkom / IndiHome",
    "cat_tv": "Cable TV",
    "cat_hp": "Postpaid mobile",
    "cat_pln": "PLN postpaid electricity",
    "cat_bpjs": "BPJS health insurance",
    "cat_pdam": "Water (PDAM)",
    "cat_gas": "Gas",
    "cat_internet": "Internet",
    "cmd_start": "Main menu",
    "cmd_bayar": "Pay a bill",
    "cmd_history": "Transaction history",
    "cmd_saldo": "Wallet balance and entries",
    "cmd_help": "Help",
    "cmd_lang": "Change language",
    # number hints, one per catalogue number rule (NumberRule.hint_key)
    "hint_telkom": "home phone number with area code (e.g. 0215551234) or 12-digit IndiHome number",
    "hint_tri": "Tri postpaid mobile number, starting 0895–0899 (e.g. 08991234501)",
    "hint_halo": "Telkomsel Halo number, starting 0811/0812/0813/0821/0822/0852/0853",
    "hint_telkomvision": "Telkomvision customer number, 10–12 digits",
    "hint_bigtv": "BIG TV customer number, 10–16 digits",
    "hint_pln": "12-digit PLN customer ID, printed on your electricity receipt or bill",
    "hint_bpjs": "BPJS Kesehatan virtual account number, starting 88 (e.g. 8888801234567890)",
    "hint_pgas": "PGN (gas) customer ID, 8–16 digits",
    "hint_cbn": "CBN customer number, 6–12 digits",
    "hint_pdam": "PDAM connection number / customer ID, see your water bill",
    # -- the operator's kit (flows/exports.py, flows/operator_tools.py) ----------------------------
    "usage_export": "Usage: /export &lt;DD/MM/YYYY&gt;[-&lt;DD/MM/YYYY&gt;] (payments) or "
    "/export mutasi &lt;DD/MM/YYYY&gt;[-&lt;DD/MM/YYYY&gt;] (wallet entries)",
    "range_format": "Cannot read the date: write DD/MM/YYYY, e.g. 01/12/2026.",
    "range_order": "The last day is before the first.",
    "range_too_long": "At most {most} days per export.",
    "export_payments": "Payments {days} (WIB): {rows} rows.",
    "export_wallet": "Wallet entries {days} (WIB): {rows} rows.",
    "role_operator": "operator",
    "wallet_of": "👛 Wallet of user {user_id}: <b>{amount}</b>",
    "topup_confirm": "Top up <b>{amount}</b> for user {user_id}?\n"
    "(more than {above}: needs a confirmation)",
    "topup_confirm_btn": "✅ Yes, top up",
    "topup_confirm_stale": "This confirmation is no longer valid; nothing was topped up. "
    "Send /topup again if needed.",
    "topup_cancelled": "Top-up cancelled; nothing was topped up.",
    "usage_backup": "Usage: /backup (sends the newest daily backup)",
    "backup_off": "Daily backups are off: set BACKUP_DIR. "
    "Without it, use <code>python -m bot backup &lt;file&gt;</code> on the server.",
    "backup_none": "No daily backup in {folder} yet (one is made every day at 03:00 WIB).",
    "backup_too_big": "{name} is {mb} MB, more than Telegram lets a bot send (50 MB): "
    "fetch it from the server.",
    "backup_sent": "Backup {name}: keep it somewhere safe, it holds the books.",
    "backup_failed": "⚠ The daily backup FAILED: {error}\nNo older backup was deleted.",
    "backup_ok_again": "✅ The daily backup works again: {name}.",
    "paid_lane_spent": "💫 Today's {count} paid Telegram messages are used up: until tomorrow, "
    "answers in a rush wait their turn at Telegram's free pace (TELEGRAM_PAID_MESSAGES_PER_DAY).",
    "paid_lane_refused": "⚠ Telegram refused a paid message ({error}); it was sent again for free. "
    "Until tomorrow no message goes paid. Check the bot's Stars balance, "
    "or set TELEGRAM_PAID_MESSAGES_PER_DAY=0.",
    "maintenance_refusal": "🛠 Loket is under maintenance: {text}",
    "maintenance_default": "new payments are paused for a while. Statuses and receipts still work.",
    "maintenance_on": "Maintenance ON: new bills and payments are refused. Users see:",
    "maintenance_off": "Maintenance over: bills and payments are open again.",
    "maintenance_is_on": "Maintenance is on.",
    "maintenance_is_off": "Maintenance is off.",
    "maintenance_too_long": "The maintenance text is at most {most} characters.",
    "usage_maintenance": "Usage: /maintenance on [text for users] or /maintenance off",
    "usage_broadcast": "Usage: /broadcast &lt;text for every user&gt;",
    "broadcast_too_long": "A broadcast is at most {most} characters.",
    "broadcast_progress": "📣 Sending the broadcast… {done}/{total}",
    "broadcast_done": "📣 Broadcast done: sent to {sent} of {total}, "
    "blocked the bot {blocked}, failed {failed}.",
    "report_paid_lane": "Paid Telegram messages: {count} of {budget} (0.1 Star each)",
    "daily_report": "<b>Daily report {day}</b>\nPayments: {states}\nTurnover: {turnover}\nMargin: {margin}\n"
    "All users' wallets: {wallets} (top-ups/adjustments today {topups})\n"
    "<b>Biller deposit reconciliation</b>\nStart: {start}\nEnd: {end}\nUsed: {used}\n"
    "Cost of successful payments: {costs}\nDifference: <b>{difference}</b>{flag}",
    "report_unknown": "unknown",
    "report_differs": " ⚠ check against the biller's statement",
    "alert_credentials": "🚨 Biller {provider} REFUSES our credentials/signature (code {code}): "
    "no bill or payment can go through. Check the API key, username, host and IP whitelist.",
    "alert_credentials_over": "✅ Biller {provider} accepts our credentials again.",
    "alert_silent": "🚨 Biller {provider} has answered nothing for {minutes} minutes ({cause}). "
    "Unclear payments stay pending and are checked again; nothing is paid twice.",
    "alert_silent_over": "✅ Biller {provider} answers again.",
    "alert_deposit_low": "⚠ The deposit at the biller is down to {amount}, below {below}. Top it up.",
    "alert_deposit_over": "✅ The deposit at the biller is back to {amount}.",
    "document_refused": "Telegram refused the file: {error}",
    "your_id": "Your Telegram id: <code>{user_id}</code> (tell it to the operator to top up)",
    "takes_no_args": "{command} takes nothing after it; this is your own.",
    "usage_user": "Usage: /user &lt;telegram_id&gt;",
    "usage_saldo_of": "Usage: /saldo (your wallet) or /saldo &lt;telegram_id&gt;",
    "usage_history_of": "Usage: /history (your history) or /history &lt;telegram_id&gt;",
    "usage_stats": "Usage: /stats (today) or /stats &lt;DD/MM/YYYY&gt;",
    "user_unknown": "User {user_id} has never used Loket.",
    "lookup_of": "<b>User {user_id}</b>",
    "user_tickets": "Open deposit tickets: {count}",
    "user_ticket_line": "#{id} · transfer <b>{transfer}</b> · valid until {until}",
    "user_card": "<b>User {user_id}</b>: {name}\nRole: {role}, language: {lang_name}\n"
    "Balance: <b>{balance}</b>\n"
    "Last transactions:",
    "stats_by_reseller": "<b>By reseller</b> (transactions, success, volume, profit):",
    "stats_group_line": "{name}: {count}, {success}, {volume}, {profit}",
}
