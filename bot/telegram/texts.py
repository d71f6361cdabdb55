"""Every sentence the bot says, Indonesian first, English second.

Handlers never hold a sentence: they name a key here. `t()` escapes every value it is given
for Telegram's HTML parse mode, so a customer name like `<b>&` stays text.
"""

from __future__ import annotations

import html
import re
from typing import Any

DEFAULT_LANG = "id"
LANGS = ("id", "en")
MAX_VALUE = 256  # characters of one user or biller value shown in a message (a name, a ref, a reason)
MAX_MESSAGE = 4096  # Telegram's limit for a message's text
ELLIPSIS = "…"


class Raw(str):
    """A value that is already safe HTML (built by the renderer from escaped parts)."""

    __slots__ = ()


TEXTS: dict[str, dict[str, str]] = {
    "id": {
        "welcome": "Halo, <b>{name}</b>! Selamat datang di <b>Loket</b>, tempat bayar tagihan bulanan.\n"
        "Pilih menu di bawah.",
        "menu_pay": "💡 Bayar tagihan",
        "menu_status": "🔎 Cek status",
        "menu_history": "🧾 Riwayat",
        "menu_wallet": "👛 Saldo",
        "menu_help": "❓ Bantuan",
        "help": "<b>Loket</b> membayar tagihan pascabayar dari saldo Anda.\n"
        "/bayar – bayar tagihan langkah demi langkah\n"
        "/history – transaksi terakhir\n"
        "/receipt &lt;ref&gt; – tampilkan struk lagi\n"
        "/status &lt;ref&gt; – cek status transaksi\n"
        "/saldo – saldo dan mutasi\n"
        "/lang – ganti bahasa\n"
        "Format singkat: CEK.PRODUK.NOMOR, BAYAR.PRODUK.NOMOR, STATUS.REF, SAL, MUTASI, LAP",
        "help_admin": "<b>Operator</b>\n"
        "/topup &lt;id&gt; &lt;jumlah&gt; [alasan] – isi saldo pengguna\n"
        "/adjust &lt;id&gt; &lt;+/-jumlah&gt; &lt;alasan&gt; – koreksi saldo\n"
        "/role &lt;id&gt; reseller|pelanggan – tandai reseller\n"
        "/deposit – deposit di biller\n"
        "/stats – angka hari ini\n"
        "/pending – transaksi menunggu biller",
        "lang_pick": "Pilih bahasa:",
        "lang_set": "Bahasa diganti ke Bahasa Indonesia.",
        "choose_category": "Pilih jenis tagihan:",
        "choose_product": "Pilih produk <b>{category}</b>:",
        "ask_number": "<b>{product}</b>\nKirim nomor pelanggan: {hint}",
        "ask_months": "<b>{product}</b> {number}\nBayar untuk berapa bulan?",
        "btn_months": "{n} bln",
        "months_chosen": "<b>{product}</b> {number}: {months} bulan",
        "months_invalid": "Jumlah bulan hanya untuk produk bulanan (BPJS), 1 sampai {most}.",
        "btn_back": "« Kembali",
        "btn_cancel": "✖ Batal",
        "btn_pay": "Bayar {amount}",
        "btn_prev": "« Sebelumnya",
        "btn_next": "Berikutnya »",
        "btn_receipt": "Struk {ref}",
        "cancelled": "Dibatalkan. Ketik /start untuk menu.",
        "nothing_to_cancel": "Tidak ada yang sedang berjalan untuk dibatalkan. Ketik /start untuk menu.",
        "bill_title": "<b>Tagihan {product}</b>",
        "bill_ref": "Ref: <code>{ref}</code>",
        "bill_customer": "Pelanggan: {number} a.n. <b>{name}</b>",
        "bill_line": "• {period}: {amount}",
        "bill_admin": "Biaya admin: {amount}",
        "bill_fee": "Biaya layanan: {amount}",
        "bill_total": "<b>Total: {amount}</b>",
        "bill_balance_after": "Saldo setelah bayar: {amount}",
        "bill_balance_short": "Saldo Anda {balance}, kurang {shortfall}.",
        "bill_confirm": "Tekan <b>Bayar</b> untuk membayar.",
        "processing": "⏳ Pembayaran {ref} sedang diproses…",
        "receipt_title": "✅ <b>STRUK PEMBAYARAN</b>",
        "receipt_ref": "Ref: <code>{ref}</code>",
        "receipt_product": "Produk: {product}",
        "receipt_customer": "No. pelanggan: {number}",
        "receipt_name": "Nama: {name}",
        "receipt_periods": "Periode: {periods}",
        "receipt_bill": "Tagihan: {amount}",
        "receipt_admin": "Biaya admin: {amount}",
        "receipt_penalty": "Denda: {amount}",
        "receipt_fee": "Biaya layanan: {amount}",
        "receipt_paid": "<b>Dibayar: {amount}</b>",
        "receipt_biller_ref": "Ref/Token biller: <code>{biller_ref}</code>",
        "receipt_time": "Waktu: {time} WIB",
        "pending": "⏳ Transaksi {ref} sedang diproses, jangan diulang. Kami kabari begitu selesai.",
        "failed": "❌ Pembayaran {ref} gagal: {reason}\nSaldo dikembalikan: {amount}.",
        "outcome_subject": "{product} · {number} a.n. {name}",
        "state_cancelled": "Tagihan {ref} sudah dibatalkan. Cek ulang tagihan untuk membayar.",
        "state_expired": "Tagihan {ref} sudah kedaluwarsa. Cek ulang tagihan untuk membayar.",
        "state_expired_paid": "Tagihan {ref} sudah terbayar lewat transaksi lain setelah dicek. "
        "Saldo Anda tidak dipotong. Cek ulang tagihan bila masih ada yang perlu dibayar.",
        "state_inquired": "Tagihan {ref} belum dibayar.",
        "already_paying": "Transaksi {ref} sudah dibayar atau sedang diproses, jangan diulang.",
        "bill_being_paid": "⏳ Tagihan ini sedang dibayar lewat transaksi {ref}, jangan diulang. "
        "Tunggu hasilnya; saldo Anda tidak dipotong.",
        "cb_cancelled": "Tagihan dibatalkan.",
        "cb_done": "Sudah diproses.",
        "cb_unknown": "Tombol ini tidak berlaku lagi.",
        "insufficient": "Saldo tidak cukup: saldo {balance}, perlu {needed}, kurang <b>{shortfall}</b>.\n"
        "Minta isi saldo ke operator dengan menyebut ID Telegram Anda: <code>{user_id}</code>.",
        "not_found": "Transaksi {ref} tidak ditemukan.",
        "reason_already_paid": "Tagihan sudah terbayar.",
        "reason_wrong_number": "Nomor pelanggan salah. Periksa dan kirim lagi nomornya.",
        "reason_bill_not_available": "Tagihan belum tersedia atau tidak ada tagihan.",
        "reason_biller_down": "Layanan biller sedang gangguan. Coba lagi nanti.",
        "reason_timeout": "Biller tidak menjawab tepat waktu. Coba lagi nanti.",
        "reason_payment_failed": "Pembayaran ditolak biller.",
        "reason_blocked": "Nomor pelanggan diblokir.",
        "reason_pay_at_counter": "Tagihan ini harus dibayar di loket resmi.",
        "reason_limit_exceeded": "Batas transaksi terlampaui. Coba lagi nanti.",
        "reason_insufficient_deposit": "Layanan sedang tidak tersedia. Coba lagi nanti.",
        "reason_other": "Tagihan tidak dapat diproses saat ini. Coba lagi nanti.",
        "number_invalid": "Nomor pelanggan tidak sesuai: {why} Yang diminta: {hint}",
        "why_empty": "nomornya kosong.",
        "why_digits": "hanya boleh angka.",
        "why_too_short": "terlalu pendek ({length} angka, paling sedikit {min}).",
        "why_too_long": "terlalu panjang ({length} angka, paling banyak {max}).",
        "why_prefix": "awalannya tidak cocok untuk produk ini.",
        "unknown_product": "Produk {product} tidak dikenal. Produk: {codes}",
        "history_title": "<b>Riwayat transaksi</b> ({start}–{end} dari {total})",
        "history_empty": "Belum ada transaksi.",
        "history_line": "<code>{ref}</code> {product} {number} {amount} – {state}",
        "wallet_title": "👛 Saldo Anda: <b>{amount}</b>",
        "wallet_line": "{time} {kind} {amount} → {balance} {ref}",
        "wallet_empty": "Belum ada mutasi.",
        "status_line": "{ref} {product} {number} {amount} {state}",
        "status_none": "Tidak ada transaksi untuk nomor {number}.",
        "status_overview_title": "<b>Status transaksi terakhir</b>",
        "status_overview_hint": "Satu transaksi: STATUS.&lt;REF&gt; atau STATUS.&lt;NOMOR PELANGGAN&gt;.",
        "text_only": "Maaf, Loket hanya membaca pesan teks. Ketik /help untuk bantuan.",
        "cb_not_yours": "Tagihan ini milik pengguna lain.",
        "edited_ignored": "Pesan yang diedit tidak diproses. Kirim sebagai pesan baru.",
        "r_bill": "Ref={ref} {product} {number} a.n. {name} tagihan {bill} admin {admin} total {total}",
        "r_balance": "Saldo {balance} - {total} = {after}",
        "r_balance_only": "Saldo {balance}",
        "r_report_title": "<b>Laporan {day}</b>: {count} transaksi, sukses {success} ({volume}), "
        "diproses {pending}, gagal {failed}",
        "r_report_line": "{time} <code>{ref}</code> {product} {number} {amount} {state}",
        "r_report_more": "(… {more} transaksi sebelumnya tidak ditampilkan)",
        "r_report_none": "Tidak ada transaksi pada {day}.",
        "grammar_help": "Format tidak dikenal. Contoh:\n"
        "CEK.PLNPOSTPAID.530000000001 – cek tagihan\n"
        "BAYAR.PLNPOSTPAID.530000000001 – cek lalu bayar\n"
        "/pay PLNPOSTPAID 530000000001\n"
        "CEK.BPJS.8801234560000.3 – BPJS untuk 3 bulan\n"
        "STATUS.&lt;REF&gt; atau STATUS.&lt;NOMOR&gt; – status\n"
        "SAL – saldo, MUTASI – mutasi saldo\n"
        "LAP atau LAP.25/11/2026 – laporan transaksi hari itu",
        "unknown_command": "Perintah tidak dikenal. Ketik /help.",
        "usage_receipt": "Pakai: /receipt &lt;ref&gt;",
        "usage_status": "Pakai: /status &lt;ref&gt;",
        "usage_topup": "Pakai: /topup &lt;id_telegram&gt; &lt;jumlah&gt; [alasan]",
        "usage_adjust": "Pakai: /adjust &lt;id_telegram&gt; &lt;+/-jumlah&gt; &lt;alasan&gt;",
        "usage_role": "Pakai: /role &lt;id_telegram&gt; reseller|pelanggan",
        "role_done": "Pengguna {user_id} sekarang {role}.",
        "role_admin": "Operator ditentukan oleh ADMIN_IDS, bukan lewat /role.",
        "role_reseller": "reseller",
        "role_customer": "pelanggan",
        "bad_amount": "Jumlah tidak sah: {error}",
        "amount_format": "tulis angka rupiah, boleh dengan titik ribuan, mis. 50000 atau 50.000.",
        "amount_zero": "harus lebih dari nol.",
        "amount_too_big": "paling banyak Rp 1.000.000.000.000 sekali transaksi.",
        "amount_sign": "awali dengan + atau -, mis. +50.000 atau -10.000.",
        "amount_negative": "saldo tidak boleh minus (saldo sekarang {balance}).",
        "bad_user_id": "ID Telegram harus angka.",
        "topup_done": "Isi saldo {amount} untuk {user_id}. Saldo sekarang {balance}.",
        "adjust_done": "Koreksi {amount} untuk {user_id}. Saldo sekarang {balance}.",
        "topup_notice": "Saldo Anda bertambah {amount}. Saldo sekarang {balance}.",
        "deposit": "Deposit di biller: {amount}",
        "deposit_as_of": "Deposit di biller: {amount}\n"
        "(dilaporkan biller {time} WIB, bersama transaksi terakhir)",
        "deposit_none": "Biller belum melaporkan saldo deposit. Biller tanpa cek saldo (IAK) "
        "melaporkannya di setiap pembayaran, jadi saldo tampil setelah transaksi pertama.",
        "stats": "<b>Statistik {day}</b>\nTransaksi: {count}\nSukses: {success}\nGagal: {failed}\n"
        "Pending: {pending}\nVolume: {volume}\nLaba: {profit}",
        "pending_none": "Tidak ada transaksi pending.",
        "pending_line": "<code>{ref}</code> {product} {number} {amount} {state} umur {age}{flag}",
        "pending_flag": " ⚠ perlu dicek",
        "pending_title": "<b>{count} transaksi menunggu biller</b> (terlama dulu)",
        "pending_more": "… dan {more} lagi.",
        "flagged_admin": "⚠ Transaksi <code>{ref}</code> ({product} {number}, {amount}) masih diproses "
        "biller lebih dari {hours} jam. Cek ke biller; saldo pengguna {user_id} masih terpotong.",
        "error_generic": "Maaf, terjadi kesalahan. Coba lagi sebentar lagi.",
        "db_busy": "⏳ Loket sedang sibuk sesaat. Silakan coba lagi sebentar lagi.",
        "db_busy_pay": "⏳ Loket sedang sibuk sesaat: belum ada yang dibayar dan saldo tidak berubah. "
        "Ketuk Bayar lagi sebentar lagi.",
        "amount_mismatch_admin": "🚨 Transaksi <code>{ref}</code> ({product} {number}) sukses, tetapi biller "
        "mencatat total {charged}, bukan {bill} seperti tagihan yang dikonfirmasi pengguna {user_id}. "
        "Cocokkan dengan biller.",
        "contradiction_admin": "🚨 Transaksi <code>{ref}</code> ({product} {number}, {amount}) tercatat "
        "{state}, tetapi biller kini menjawab {outcome} (kode {code}). Status dan saldo tidak diubah "
        "otomatis: cocokkan dengan biller, lalu koreksi saldo pengguna {user_id} dengan /adjust bila perlu.",
        "state_SUCCESS": "SUKSES",
        "state_FAILED": "GAGAL",
        "state_PENDING": "DIPROSES",
        "state_PAYING": "DIPROSES",
        "state_INQUIRED": "BELUM DIBAYAR",
        "state_CANCELLED": "BATAL",
        "state_EXPIRED": "KEDALUWARSA",
        "kind_topup": "isi saldo",
        "kind_debit": "bayar",
        "kind_refund": "refund",
        "kind_adjustment": "koreksi",
        "cat_telkom": "Telkom / IndiHome",
        "cat_tv": "TV Kabel",
        "cat_hp": "HP Pascabayar",
        "cat_pln": "PLN Pascabayar",
        "cat_bpjs": "BPJS",
        "cat_pdam": "PDAM",
        "cat_gas": "Gas",
        "cat_internet": "Internet",
        "cmd_start": "Menu utama",
        "cmd_bayar": "Bayar tagihan",
        "cmd_history": "Riwayat transaksi",
        "cmd_saldo": "Saldo dan mutasi",
        "cmd_help": "Bantuan",
        "cmd_lang": "Ganti bahasa",
    },
    "en": {
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
        "/stats – today's figures\n"
        "/pending – transactions waiting for the biller",
        "lang_pick": "Choose a language:",
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
        "cb_done": "Already handled.",
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
        "r_report_line": "{time} <code>{ref}</code> {product} {number} {amount} {state}",
        "r_report_more": "(… {more} earlier transactions not shown)",
        "r_report_none": "No transactions on {day}.",
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
        "pending_line": "<code>{ref}</code> {product} {number} {amount} {state} age {age}{flag}",
        "pending_flag": " ⚠ needs a look",
        "pending_title": "<b>{count} transactions waiting for the biller</b> (oldest first)",
        "pending_more": "… and {more} more.",
        "flagged_admin": "⚠ Transaction <code>{ref}</code> ({product} {number}, {amount}) has been "
        "pending at the biller for over {hours} hours. Check with the biller; user {user_id}'s wallet "
        "is still debited.",
        "error_generic": "Sorry, something went wrong. Please try again shortly.",
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
    },
}


def norm_lang(code: str | None) -> str:
    """Telegram's language_code ('en-GB', 'id') to one of ours; Indonesian by default."""
    return "en" if (code or "").lower().startswith("en") else DEFAULT_LANG


def clip(value: Any, limit: int = MAX_VALUE) -> str:
    """A value cut to `limit` characters, with '…' when it was longer."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def escape(value: Any) -> str:
    """Escaped for HTML; a value from a user or a biller is cut to MAX_VALUE characters first,
    so one long name, ref or reason can never push a message past Telegram's limit."""
    if isinstance(value, Raw):
        return str(value)
    return html.escape(clip(value), quote=False)


def _size(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units; an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int = MAX_MESSAGE) -> str:
    """A message within Telegram's 4096 characters, cut at whole lines (each line of a template
    closes its own tags, so the HTML stays valid), ending with '…' when something was left off."""
    if _size(text) <= limit:
        return text
    kept: list[str] = []
    used = _size(ELLIPSIS)
    for line in text.split("\n"):
        if used + _size(line) + 1 > limit:
            break
        kept.append(line)
        used += _size(line) + 1
    if not kept:  # one line alone is too long: keep its plain text
        plain = html.unescape(re.sub(r"<[^>]*>", "", text.split("\n", 1)[0]))
        return html.escape(plain[: limit // 6], quote=False) + ELLIPSIS
    return "\n".join([*kept, ELLIPSIS])


# The catalogue's number hints are Indonesian; their English words for English chats.
HINTS_EN = {
    "nomor telepon rumah dengan kode area (mis. 0215551234) atau nomor IndiHome 12 digit": (
        "home phone number with area code (e.g. 0215551234) or 12-digit IndiHome number"
    ),
    "nomor HP Tri pascabayar, diawali 0895–0899 (mis. 08991234501)": (
        "Tri postpaid mobile number, starting 0895–0899 (e.g. 08991234501)"
    ),
    "nomor Telkomsel Halo, diawali 0811/0812/0813/0821/0822/0852/0853": (
        "Telkomsel Halo number, starting 0811/0812/0813/0821/0822/0852/0853"
    ),
    "nomor pelanggan Telkomvision 10–12 digit": "Telkomvision customer number, 10–12 digits",
    "nomor pelanggan BIG TV 10–16 digit": "BIG TV customer number, 10–16 digits",
    "ID pelanggan PLN 12 digit, tertera di struk atau tagihan listrik": (
        "12-digit PLN customer ID, printed on your electricity receipt or bill"
    ),
    "nomor Virtual Account BPJS Kesehatan, diawali 88 (mis. 8888801234567890)": (
        "BPJS Kesehatan virtual account number, starting 88 (e.g. 8888801234567890)"
    ),
    "ID pelanggan PGN (gas) 8–16 digit": "PGN (gas) customer ID, 8–16 digits",
    "nomor pelanggan CBN 6–12 digit": "CBN customer number, 6–12 digits",
    "nomor sambungan / ID pelanggan PDAM, lihat rekening air": (
        "PDAM connection number / customer ID, see your water bill"
    ),
}


def hint(lang: str, text: str) -> str:
    """A product's number hint in the chat's language ('-' when the catalogue has none)."""
    if not text:
        return "-"
    return HINTS_EN.get(text, text) if lang == "en" else text


def t(lang: str, key: str, **values: Any) -> str:
    """The text for `key` in `lang` with every value HTML-escaped (Raw values kept)."""
    table = TEXTS.get(lang, TEXTS[DEFAULT_LANG])
    template = table.get(key, TEXTS[DEFAULT_LANG][key])
    return template.format(**{name: escape(v) for name, v in values.items()})
