"""Money in's words (bot/telegram/flows/qris.py, topup.py, tickets.py, moneyin_notices.py): QRIS,
top-ups, deposit tickets. Indonesian first; every key in both, with the same {placeholders}
(test_telegram_texts)."""

ID: dict[str, str] = {
    "menu_topup": "➕ Isi saldo",
    "cmd_isi": "Isi saldo",
    "btn_qris": "📱 QRIS {amount}",
    "btn_qr_check": "Sudah bayar? Cek",
    "btn_qr_cancel": "✖ Batal",
    "btn_topup_amount": "{amount}",
    "btn_topup_qris": "📱 QRIS {amount}",
    "btn_topup_transfer": "🏦 Transfer bank",
    "btn_ticket_accept": "✅ Terima #{id} {amount}",
    "btn_ticket_reject": "✖ Tolak #{id}",
    "qr_title_bill": "📱 <b>Bayar tagihan dengan QRIS</b>\n{subject}",
    "qr_title_topup": "📱 <b>Isi saldo dengan QRIS</b>",
    "qr_amount": "Jumlah: <b>{amount}</b>",
    "qr_fee": "(termasuk biaya QRIS {fee})",
    "qr_expiry": "Berlaku sampai {time} WIB",
    "qr_ref": "Ref: <code>{order}</code>",
    "qr_howto": "Pindai dengan aplikasi bank atau e-wallet apa pun, lalu tekan <b>Sudah bayar? Cek</b>.",
    "qr_no_image": "Kode QRIS: <code>{qr}</code>",
    "qr_received_bill": "✅ <b>Pembayaran QRIS {amount} diterima.</b>\nRef: <code>{order}</code>\n"
    "Tagihan sedang dibayar dari saldo; struk menyusul.",
    "qr_credited": "✅ <b>Saldo diisi {amount}</b> lewat QRIS.\nRef: <code>{order}</code>\n"
    "Saldo sekarang: {balance}",
    "qr_late": "✅ <b>Pembayaran QRIS {amount} diterima setelah QR ditutup.</b>\nRef: <code>{order}</code>\n"
    "Uangnya masuk ke saldo Anda (saldo sekarang {balance}); tagihan tidak dibayar otomatis. "
    "Bayar dari saldo bila masih perlu.",
    "qr_bill_kept": "⚠️ Tagihan {ref} tidak bisa dibayar lagi: {why}.\n"
    "Pembayaran QRIS {amount} tetap di saldo Anda. Saldo sekarang: {balance}",
    "qr_expired": "⌛ QR {order} kedaluwarsa, tidak ada pembayaran masuk. Buat QR baru bila masih perlu.",
    "qr_cancelled": "✖ QR {order} dibatalkan. Tidak ada pembayaran masuk.",
    "qr_failed": "❌ QR {order} tidak bisa dipakai. Tidak ada pembayaran masuk.",
    "qr_reversed": "↩️ Pembayaran QRIS {order} dibatalkan oleh penyedia pembayaran (dana dikembalikan "
    "ke pembayar). Saldo dikurangi {amount}.",
    "qr_still_pending": "Belum ada pembayaran masuk untuk QR ini.",
    "qr_paid_already": "QR ini sudah dibayar.",
    "qr_closed": "QR ini sudah ditutup.",
    "qr_unavailable": "Pembayaran QRIS belum tersedia di sini.",
    "qr_charge_failed": "Penyedia QRIS sedang tidak bisa membuat QR. Coba lagi sebentar lagi, atau "
    "bayar dari saldo.",
    "qr_amount_range": "Jumlah QRIS harus antara {least} dan {most}.",
    "why_already_paid": "sudah dibayar lewat transaksi lain",
    "why_inquiry_expired": "data tagihan sudah kedaluwarsa, cek ulang tagihannya",
    "why_bill_being_paid": "tagihan ini sedang dibayar lewat transaksi lain",
    "why_cancelled": "tagihan sudah dibatalkan",
    "why_insufficient_balance": "saldo tidak cukup",
    "why_reversed": "pembayaran QRIS dibatalkan oleh penyedia",
    "why_other": "tagihan tidak dapat dibayar saat ini",
    "topup_pick": "➕ <b>Isi saldo</b>\nPilih jumlah, atau ketik misalnya <code>/isi 75000</code>.",
    "topup_method": "➕ <b>Isi saldo {amount}</b>\nPilih cara bayar:",
    "topup_none": "Isi saldo sendiri belum tersedia di sini. Minta operator mengisi saldo Anda dengan "
    "menyebut ID Telegram Anda: <code>{user_id}</code>.",
    "topup_range": "Jumlah isi saldo antara {least} dan {most}, dalam rupiah bulat (mis. 50000 atau 50.000).",
    "topup_ways": "Cara isi saldo:",
    "topup_way_qris_bill": "• bayar tagihan ini langsung dengan tombol QRIS",
    "topup_way_qris": "• /isi &lt;jumlah&gt; lewat QRIS",
    "topup_way_ticket": "• TIKET.&lt;jumlah&gt; untuk transfer bank (dicek operator)",
    "ticket_opened": "🏦 <b>Tiket deposit #{id}</b>\nTransfer <b>tepat {transfer}</b> ke:\n{bank}\n"
    "Kode unik {code} membuat transfer Anda dikenali: jangan dibulatkan.\n"
    "Berlaku sampai {time} WIB. Saldo diisi setelah operator memeriksa rekening, sebesar yang diterima.",
    "ticket_admin": "🏦 Tiket deposit #{id} dari pengguna {user_id} ({name}): transfer <b>{transfer}</b> "
    "(isi {amount} + kode {code}).\nPeriksa mutasi rekening, lalu terima atau tolak. "
    "Jumlah lain: /terima {id} &lt;jumlah&gt;",
    "ticket_accepted": "✅ Tiket deposit #{id} diterima: saldo diisi {amount}. Saldo sekarang {balance}.",
    "ticket_rejected": "✖ Tiket deposit #{id} ditolak. {note}Hubungi operator bila Anda sudah mentransfer.",
    "ticket_accepted_admin": "✅ Tiket #{id} diterima oleh {admin}: pengguna {user_id} diisi {amount}.",
    "ticket_rejected_admin": "✖ Tiket #{id} ditolak oleh {admin}.",
    "ticket_closed": "Tiket #{id} sudah {state}.",
    "ticket_not_found": "Tiket #{id} tidak ditemukan.",
    "ticket_state_OPEN": "terbuka",
    "ticket_state_ACCEPTED": "diterima",
    "ticket_state_REJECTED": "ditolak",
    "ticket_state_EXPIRED": "kedaluwarsa",
    "tickets_unavailable": "Transfer bank belum tersedia di sini (rekening belum diatur operator).",
    "tickets_too_many": "Anda sudah punya {count} tiket terbuka ({ids}). Selesaikan atau tunggu dulu.",
    "tickets_full": "Terlalu banyak tiket terbuka saat ini. Coba lagi nanti.",
    "tickets_title": "🏦 <b>Tiket deposit terbuka: {count}</b>",
    "tickets_line": "#{id} · pengguna {user_id} · <b>{transfer}</b> · {age} lalu",
    "tickets_none": "Tidak ada tiket deposit terbuka.",
    "usage_terima": "Tulis: /terima &lt;no tiket&gt; [jumlah]",
    "usage_tolak": "Tulis: /tolak &lt;no tiket&gt; [alasan]",
    "alarm_reversal": "↩️ Pembayaran QRIS {order} pengguna {user_id} dibatalkan penyedia ({reason}) setelah "
    "masuk saldo. Diambil kembali {taken} dari saldo.",
    "alarm_shortfall": "⚠️ {amount} sudah terpakai dan tidak bisa diambil dari saldo pengguna {user_id}: "
    "selesaikan dengan pengguna, lalu /adjust.",
    "alarm_mismatch": "⚠️ QRIS {order} pengguna {user_id}: penyedia bilang sudah dibayar tapi jumlah atau "
    "mata uangnya lain ({detail}). Tidak ada yang dikreditkan; periksa di dashboard penyedia.",
    "alarm_stuck": "⏳ QRIS {order} pengguna {user_id} ({amount}) masih tertunda sehari setelah kedaluwarsa "
    "dan tidak bisa dibatalkan. Periksa di dashboard penyedia.",
    "help_moneyin": "/isi &lt;jumlah&gt; – isi saldo lewat QRIS atau transfer bank\n"
    "TIKET.&lt;jumlah&gt; – tiket transfer bank",
    "help_moneyin_admin": "/tiket – tiket deposit terbuka\n"
    "/terima &lt;no&gt; [jumlah] – terima tiket\n/tolak &lt;no&gt; [alasan] – tolak tiket",
}

EN: dict[str, str] = {
    "menu_topup": "➕ Top up",
    "cmd_isi": "Top up",
    "btn_qris": "📱 QRIS {amount}",
    "btn_qr_check": "Paid? Check",
    "btn_qr_cancel": "✖ Cancel",
    "btn_topup_amount": "{amount}",
    "btn_topup_qris": "📱 QRIS {amount}",
    "btn_topup_transfer": "🏦 Bank transfer",
    "btn_ticket_accept": "✅ Accept #{id} {amount}",
    "btn_ticket_reject": "✖ Reject #{id}",
    "qr_title_bill": "📱 <b>Pay the bill by QRIS</b>\n{subject}",
    "qr_title_topup": "📱 <b>Top up by QRIS</b>",
    "qr_amount": "Amount: <b>{amount}</b>",
    "qr_fee": "(including the QRIS fee of {fee})",
    "qr_expiry": "Valid until {time} WIB",
    "qr_ref": "Ref: <code>{order}</code>",
    "qr_howto": "Scan it with any bank or e-wallet app, then press <b>Paid? Check</b>.",
    "qr_no_image": "QRIS code: <code>{qr}</code>",
    "qr_received_bill": "✅ <b>QRIS payment of {amount} received.</b>\nRef: <code>{order}</code>\n"
    "The bill is being paid from your wallet; the receipt follows.",
    "qr_credited": "✅ <b>Your wallet received {amount}</b> by QRIS.\nRef: <code>{order}</code>\n"
    "Balance now: {balance}",
    "qr_late": "✅ <b>QRIS payment of {amount} received after the QR was closed.</b>\nRef: "
    "<code>{order}</code>\n"
    "The money is in your wallet (balance now {balance}); the bill was not paid by itself. "
    "Pay it from your wallet if it is still due.",
    "qr_bill_kept": "⚠️ Bill {ref} can no longer be paid: {why}.\n"
    "Your QRIS payment of {amount} stays in your wallet. Balance now: {balance}",
    "qr_expired": "⌛ QR {order} expired; no payment came in. Make a new QR if you still need it.",
    "qr_cancelled": "✖ QR {order} cancelled. No payment came in.",
    "qr_failed": "❌ QR {order} cannot be used. No payment came in.",
    "qr_reversed": "↩️ QRIS payment {order} was reversed by the payment provider (the money went back to "
    "the payer). {amount} was taken from your wallet.",
    "qr_still_pending": "No payment has come in for this QR yet.",
    "qr_paid_already": "This QR is paid.",
    "qr_closed": "This QR is closed.",
    "qr_unavailable": "QRIS payments are not available here yet.",
    "qr_charge_failed": "The QRIS provider cannot make a QR right now. Try again shortly, or pay "
    "from your wallet.",
    "qr_amount_range": "A QRIS amount is between {least} and {most}.",
    "why_already_paid": "it was paid by another transaction",
    "why_inquiry_expired": "the bill's details expired, check the bill again",
    "why_bill_being_paid": "another transaction is paying this bill",
    "why_cancelled": "the bill was cancelled",
    "why_insufficient_balance": "the wallet does not hold enough",
    "why_reversed": "the QRIS payment was reversed by the provider",
    "why_other": "the bill cannot be paid right now",
    "topup_pick": "➕ <b>Top up</b>\nPick an amount, or type e.g. <code>/isi 75000</code>.",
    "topup_method": "➕ <b>Top up {amount}</b>\nHow would you like to pay?",
    "topup_none": "Topping up yourself is not available here yet. Ask the operator to top up your wallet, "
    "giving your Telegram ID: <code>{user_id}</code>.",
    "topup_range": "A top-up is between {least} and {most}, in whole rupiah (e.g. 50000 or 50.000).",
    "topup_ways": "Ways to top up:",
    "topup_way_qris_bill": "• pay this bill directly with the QRIS button",
    "topup_way_qris": "• /isi &lt;amount&gt; by QRIS",
    "topup_way_ticket": "• TIKET.&lt;amount&gt; for a bank transfer (checked by an operator)",
    "ticket_opened": "🏦 <b>Deposit ticket #{id}</b>\nTransfer <b>exactly {transfer}</b> to:\n{bank}\n"
    "The unique code {code} identifies your transfer: do not round it.\n"
    "Valid until {time} WIB. Your wallet is credited once an operator has checked the account, "
    "by the amount received.",
    "ticket_admin": "🏦 Deposit ticket #{id} from user {user_id} ({name}): a transfer of <b>{transfer}</b> "
    "(top-up {amount} + code {code}).\nCheck the bank statement, then accept or reject. "
    "Another amount: /terima {id} &lt;amount&gt;",
    "ticket_accepted": "✅ Deposit ticket #{id} accepted: your wallet received {amount}. Balance now "
    "{balance}.",
    "ticket_rejected": "✖ Deposit ticket #{id} rejected. {note}Contact the operator if you have transferred.",
    "ticket_accepted_admin": "✅ Ticket #{id} accepted by {admin}: user {user_id} received {amount}.",
    "ticket_rejected_admin": "✖ Ticket #{id} rejected by {admin}.",
    "ticket_closed": "Ticket #{id} is {state} already.",
    "ticket_not_found": "Ticket #{id} not found.",
    "ticket_state_OPEN": "open",
    "ticket_state_ACCEPTED": "accepted",
    "ticket_state_REJECTED": "rejected",
    "ticket_state_EXPIRED": "expired",
    "tickets_unavailable": "Bank transfers are not available here yet (the operator has set no account).",
    "tickets_too_many": "You have {count} open tickets already ({ids}). Finish or wait for them first.",
    "tickets_full": "Too many tickets are open right now. Please try again later.",
    "tickets_title": "🏦 <b>Open deposit tickets: {count}</b>",
    "tickets_line": "#{id} · user {user_id} · <b>{transfer}</b> · {age} ago",
    "tickets_none": "No open deposit tickets.",
    "usage_terima": "Write: /terima &lt;ticket no&gt; [amount]",
    "usage_tolak": "Write: /tolak &lt;ticket no&gt; [reason]",
    "alarm_reversal": "↩️ QRIS payment {order} of user {user_id} was reversed by the provider "
    "({reason}) after "
    "it was credited. {taken} was taken back from the wallet.",
    "alarm_shortfall": "⚠️ {amount} was already spent and could not be taken from user {user_id}'s wallet: "
    "settle it with the user, then /adjust.",
    "alarm_mismatch": "⚠️ QRIS {order} of user {user_id}: the provider says it is paid but names "
    "another amount "
    "or currency ({detail}). Nothing was credited; check the provider's dashboard.",
    "alarm_stuck": "⏳ QRIS {order} of user {user_id} ({amount}) is still pending a day after its expiry and "
    "could not be cancelled. Check the provider's dashboard.",
    "help_moneyin": "/isi &lt;amount&gt; – top up by QRIS or bank transfer\nTIKET.&lt;amount&gt; – "
    "a bank transfer ticket",
    "help_moneyin_admin": "/tiket – open deposit tickets\n"
    "/terima &lt;no&gt; [amount] – accept a ticket\n/tolak &lt;no&gt; [reason] – reject a ticket",
}
