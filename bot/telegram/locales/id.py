"""Everything the bot says in Indonesian, the default language: one template per key.

Values are filled in by `bot.telegram.texts.t`, which escapes them for Telegram's HTML; every
key here is also in en.py with the same {placeholders} (tests/test_telegram_texts.py).
"""

TEXTS: dict[str, str] = {
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
    "/stats [DD/MM/YYYY] – angka hari itu, per produk dan per reseller\n"
    "/user &lt;id&gt;, /saldo &lt;id&gt;, /history &lt;id&gt; – lihat pengguna\n"
    "/export [mutasi] &lt;DD/MM/YYYY&gt;[-&lt;DD/MM/YYYY&gt;] – CSV transaksi atau mutasi\n"
    "/pending – transaksi menunggu biller\n"
    "/resolve &lt;ref&gt; success &lt;ref biller&gt; | failed &lt;alasan&gt; – tutup pembayaran "
    "yang macet (biller ditanya dulu)",
    "lang_pick": "Pilih bahasa:",
    "lang_name": "Bahasa Indonesia",
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
    "cb_unknown": "Tombol ini tidak berlaku lagi.",
    "insufficient": "Saldo tidak cukup: saldo {balance}, perlu {needed}, kurang <b>{shortfall}</b>.\n"
    "Minta isi saldo ke operator dengan menyebut ID Telegram Anda: <code>{user_id}</code>.",
    "not_found": "Transaksi {ref} tidak ditemukan.",
    "reason_already_paid": "Tagihan sudah terbayar.",
    "reason_wrong_number": "Nomor pelanggan salah. Periksa dan kirim lagi nomornya.",
    "reason_bill_not_available": "Tagihan belum tersedia atau tidak ada tagihan.",
    "reason_biller_down": "Layanan biller sedang gangguan. Coba lagi nanti.",
    "reason_timeout": "Biller tidak menjawab tepat waktu. Coba lagi nanti.",
    "reason_busy": "⏳ Sedang sibuk: banyak tagihan sedang diproses. Coba lagi sebentar lagi.",
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
    "inquiry_limited": "⏳ Terlalu banyak cek tagihan dalam waktu singkat. Pelan-pelan: "
    "coba lagi dalam {wait}.",
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
    "r_report_paid": "Anda bayar (sukses): tagihan {bill} + biaya layanan {markup} = <b>{amount}</b>",
    "r_report_held": "Masih diproses: {amount} terpotong ({count} transaksi, dikembalikan bila gagal)",
    "r_report_line": "{time} <code>{ref}</code> {product} {number}: {bill} + {markup} = {amount} {state}",
    "r_report_more": "(… {more} transaksi sebelumnya tidak ditampilkan)",
    "r_report_none": "Tidak ada transaksi pada {day}.",
    "r_report_range": "Tanggal laporan harus antara {first} dan {last}.",
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
    "pending_line": "<code>/resolve {ref}</code> {product} {number} {amount} {state} umur {age}{flag}",
    "pending_flag": " ⚠ perlu dicek",
    "pending_title": "<b>{count} transaksi menunggu biller</b> (terlama dulu)",
    "pending_more": "… dan {more} lagi.",
    "pending_resolve_hint": "Yang macet: cek ke biller, salin perintahnya, lalu tambahkan "
    "<code>success &lt;ref biller&gt;</code> atau <code>failed &lt;alasan&gt;</code>.",
    "usage_resolve": "Pakai: /resolve &lt;ref&gt; success &lt;ref biller&gt;\n"
    "atau: /resolve &lt;ref&gt; failed &lt;alasan&gt;\n"
    "Biller ditanya sekali lagi dulu; jawaban akhirnya yang berlaku.",
    "resolve_need_success": "Tulis referensi biller (nomor seri atau token dari biller): "
    "/resolve {ref} success &lt;ref biller&gt;",
    "resolve_need_failed": "Tulis alasannya: /resolve {ref} failed &lt;alasan&gt;",
    "resolve_too_long": "Keterangan terlalu panjang: paling banyak {most} karakter.",
    "resolve_settled": "Transaksi {ref} sudah selesai ({state}) dan tidak diubah lagi. "
    "Bila biller berkata lain, koreksi saldo dengan /adjust.",
    "resolve_not_paid": "Transaksi {ref} belum dibayar ({state}): tidak ada yang perlu ditutup.",
    "resolve_in_flight": "Pembayaran {ref} masih menunggu jawaban biller. Coba lagi sebentar lagi.",
    "resolve_done_success": "✅ {ref} ({product} {number}, {amount}) ditutup SUKSES atas keputusan Anda, "
    "ref biller {biller_ref}. Biller tadi menjawab {status} (kode {code}). "
    "Pengguna {user_id} diberi tahu.",
    "resolve_done_failed": "❌ {ref} ({product} {number}) ditutup GAGAL atas keputusan Anda. "
    "Biller tadi menjawab {status} (kode {code}). Saldo pengguna {user_id} dikembalikan {amount} "
    "dan pengguna diberi tahu.",
    "resolve_biller_success": "ℹ Biller baru saja menjawab SUKSES untuk {ref} (kode {code}): "
    "jawaban biller yang berlaku, keputusan Anda tidak dicatat. Pengguna {user_id} diberi tahu.",
    "resolve_biller_failed": "ℹ Biller baru saja menjawab GAGAL untuk {ref} (kode {code}): "
    "jawaban biller yang berlaku, keputusan Anda tidak dicatat. Saldo pengguna {user_id} "
    "dikembalikan {amount} dan pengguna diberi tahu.",
    "flagged_admin": "⚠ Transaksi <code>{ref}</code> ({product} {number}, {amount}) masih diproses "
    "biller lebih dari {hours} jam. Cek ke biller; saldo pengguna {user_id} masih terpotong. "
    "Lalu tutup: <code>/resolve {ref}</code> success &lt;ref biller&gt; atau failed &lt;alasan&gt;.",
    "flagged_settled_admin": "✅ Transaksi <code>{ref}</code> ({product} {number}, {amount}) yang "
    "perlu dicek kini {state}.",
    "error_generic": "Maaf, terjadi kesalahan. Coba lagi sebentar lagi.",
    "chat_flood": "✋ Terlalu banyak pesan sekaligus. Pelan-pelan: pesan berikutnya tidak dibaca "
    "sampai yang sebelumnya selesai dijawab. Tombol Bayar yang sudah diketuk tetap diproses.",
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
    # number hints, one per catalogue number rule (NumberRule.hint_key)
    "hint_telkom": "nomor telepon rumah dengan kode area (mis. 0215551234) atau nomor IndiHome 12 digit",
    "hint_tri": "nomor HP Tri pascabayar, diawali 0895–0899 (mis. 08991234501)",
    "hint_halo": "nomor Telkomsel Halo, diawali 0811/0812/0813/0821/0822/0852/0853",
    "hint_telkomvision": "nomor pelanggan Telkomvision 10–12 digit",
    "hint_bigtv": "nomor pelanggan BIG TV 10–16 digit",
    "hint_pln": "ID pelanggan PLN 12 digit, tertera di struk atau tagihan listrik",
    "hint_bpjs": "nomor Virtual Account BPJS Kesehatan, diawali 88 (mis. 8888801234567890)",
    "hint_pgas": "ID pelanggan PGN (gas) 8–16 digit",
    "hint_cbn": "nomor pelanggan CBN 6–12 digit",
    "hint_pdam": "nomor sambungan / ID pelanggan PDAM, lihat rekening air",
    # -- the operator's kit (flows/exports.py, flows/operator_tools.py) ----------------------------
    "usage_export": "Pakai: /export &lt;DD/MM/YYYY&gt;[-&lt;DD/MM/YYYY&gt;] (transaksi) atau "
    "/export mutasi &lt;DD/MM/YYYY&gt;[-&lt;DD/MM/YYYY&gt;] (mutasi saldo)",
    "range_format": "Tanggal tidak terbaca: tulis DD/MM/YYYY, mis. 01/12/2026.",
    "range_order": "Tanggal akhir sebelum tanggal awal.",
    "range_too_long": "Paling banyak {most} hari sekali ekspor.",
    "export_payments": "Transaksi {days} (WIB): {rows} baris.",
    "export_wallet": "Mutasi saldo {days} (WIB): {rows} baris.",
    "role_operator": "operator",
    "wallet_of": "👛 Saldo pengguna {user_id}: <b>{amount}</b>",
    "topup_confirm": "Isi saldo <b>{amount}</b> untuk pengguna {user_id}?\n"
    "(lebih dari {above}: perlu konfirmasi)",
    "topup_confirm_btn": "✅ Ya, isi saldo",
    "topup_confirm_stale": "Konfirmasi ini sudah tidak berlaku; tidak ada yang diisi. "
    "Kirim /topup lagi bila perlu.",
    "topup_cancelled": "Isi saldo dibatalkan; tidak ada yang diisi.",
    "usage_backup": "Pakai: /backup (mengirim cadangan harian terbaru)",
    "backup_off": "Cadangan harian belum aktif: isi BACKUP_DIR di pengaturan. "
    "Tanpa itu pakai <code>python -m bot backup &lt;file&gt;</code> di server.",
    "backup_none": "Belum ada cadangan harian di {folder} (dibuat setiap hari pukul 03.00 WIB).",
    "backup_too_big": "{name} berukuran {mb} MB, lebih dari batas kirim Telegram (50 MB): ambil dari server.",
    "backup_sent": "Cadangan {name}: simpan di tempat aman, isinya data keuangan.",
    "backup_failed": "⚠ Cadangan harian GAGAL: {error}\nCadangan lama tidak dihapus.",
    "backup_ok_again": "✅ Cadangan harian berhasil lagi: {name}.",
    "paid_lane_spent": "💫 Jatah {count} pesan Telegram berbayar hari ini sudah habis: sampai besok, "
    "balasan saat ramai menunggu giliran di kecepatan gratis Telegram (TELEGRAM_PAID_MESSAGES_PER_DAY).",
    "paid_lane_refused": "⚠ Telegram menolak pesan berbayar ({error}); pesan sudah dikirim ulang "
    "secara gratis. Sampai besok tidak ada pesan berbayar. Periksa saldo Stars bot, "
    "atau atur TELEGRAM_PAID_MESSAGES_PER_DAY=0.",
    "maintenance_refusal": "🛠 Loket sedang perbaikan: {text}",
    "maintenance_default": "pembayaran baru ditunda sebentar. Status dan struk tetap bisa dilihat.",
    "maintenance_on": "Mode perbaikan AKTIF: tagihan dan pembayaran baru ditolak. Pengguna melihat:",
    "maintenance_off": "Mode perbaikan selesai: tagihan dan pembayaran dibuka lagi.",
    "maintenance_is_on": "Mode perbaikan sedang aktif.",
    "maintenance_is_off": "Mode perbaikan tidak aktif.",
    "maintenance_too_long": "Teks perbaikan paling banyak {most} karakter.",
    "usage_maintenance": "Pakai: /maintenance on [teks untuk pengguna] atau /maintenance off",
    "usage_broadcast": "Pakai: /broadcast &lt;teks untuk semua pengguna&gt;",
    "broadcast_too_long": "Teks siaran paling banyak {most} karakter.",
    "broadcast_progress": "📣 Mengirim siaran… {done}/{total}",
    "broadcast_done": "📣 Siaran selesai: terkirim {sent} dari {total}, "
    "memblokir bot {blocked}, gagal {failed}.",
    "report_paid_lane": "Pesan Telegram berbayar: {count} dari {budget} (0,1 Star per pesan)",
    "daily_report": "<b>Laporan harian {day}</b>\nPembayaran: {states}\nOmzet: {turnover}\nLaba: {margin}\n"
    "Saldo semua pengguna: {wallets} (isi/koreksi hari ini {topups})\n"
    "<b>Rekonsiliasi deposit biller</b>\nAwal: {start}\nAkhir: {end}\nTerpakai: {used}\n"
    "Biaya transaksi sukses: {costs}\nSelisih: <b>{difference}</b>{flag}",
    "report_unknown": "tidak diketahui",
    "report_differs": " ⚠ cocokkan dengan laporan biller",
    "alert_credentials": "🚨 Biller {provider} MENOLAK kredensial/tanda tangan kita (kode {code}): "
    "tidak ada tagihan atau pembayaran yang bisa lewat. Periksa API key, username, host dan IP whitelist.",
    "alert_credentials_over": "✅ Biller {provider} menerima kredensial kita lagi.",
    "alert_silent": "🚨 Biller {provider} tidak menjawab sejak {minutes} menit ({cause}). "
    "Pembayaran yang tidak jelas tetap pending dan dicek lagi; tidak ada yang dibayar dua kali.",
    "alert_silent_over": "✅ Biller {provider} menjawab lagi.",
    "alert_deposit_low": "⚠ Deposit di biller tinggal {amount}, di bawah batas {below}. Isi deposit.",
    "alert_deposit_over": "✅ Deposit di biller kembali {amount}.",
    "document_refused": "Telegram menolak berkas ini: {error}",
    "your_id": "ID Telegram Anda: <code>{user_id}</code> (sebutkan ke operator untuk isi saldo)",
    "takes_no_args": "{command} tidak memakai tambahan apa pun; ini milik Anda sendiri.",
    "usage_user": "Pakai: /user &lt;id_telegram&gt;",
    "usage_saldo_of": "Pakai: /saldo (saldo Anda) atau /saldo &lt;id_telegram&gt;",
    "usage_history_of": "Pakai: /history (riwayat Anda) atau /history &lt;id_telegram&gt;",
    "usage_stats": "Pakai: /stats (hari ini) atau /stats &lt;DD/MM/YYYY&gt;",
    "user_unknown": "Pengguna {user_id} belum pernah memakai Loket.",
    "lookup_of": "<b>Pengguna {user_id}</b>",
    "user_tickets": "Tiket deposit terbuka: {count}",
    "user_ticket_line": "#{id} · transfer <b>{transfer}</b> · berlaku s.d. {until}",
    "user_card": "<b>Pengguna {user_id}</b>: {name}\nPeran: {role}, bahasa: {lang_name}\n"
    "Saldo: <b>{balance}</b>\n"
    "Transaksi terakhir:",
    "stats_by_reseller": "<b>Per reseller</b> (transaksi, sukses, volume, laba):",
    "stats_group_line": "{name}: {count}, {success}, {volume}, {profit}",
}
