"""The words of the catalogue and prices (bot/telegram/flows/catalogue_admin.py, the guided
flow's pages and search), Indonesian first: kept apart so the rooms' main locales stay small.
LOCALES merges them into each language; the parity test covers them like every other key."""

ID: dict[str, str] = {
    "help_catalogue_admin": "/price – tabel harga; /price &lt;produk|*&gt; &lt;customer|reseller|id&gt; "
    "&lt;markup|-&gt; – ubah harga\n"
    "/products – produk, on/off dan harga; /products on|off &lt;kode&gt;; /products refresh – "
    "muat ulang daftar produk biller",
    "usage_price": "Pakai: /price &lt;produk|*&gt; &lt;customer|reseller|id_telegram&gt; &lt;markup|-&gt;\n"
    "mis. <code>/price * reseller 500</code>, <code>/price TELKOMPSTN 1001 0</code>, "
    "<code>/price * customer -</code> (hapus aturan)",
    "price_table": "<b>Harga (markup di atas tagihan)</b>\nBawaan (MARKUP): {default}",
    "price_line": "{product} · {subject}: {amount}",
    "price_none": "Belum ada aturan: semua membayar markup bawaan.",
    "price_rule_all": "semua produk",
    "price_subject_user": "pengguna {user_id}",
    "price_order": "Yang paling khusus berlaku: pengguna &gt; peran; produk &gt; semua produk.",
    "price_set": "Markup {product} untuk {subject}: {new} (sebelumnya {old}). "
    "Tagihan yang sudah tampil tidak berubah.",
    "price_removed": "Aturan {product} untuk {subject} dihapus (sebelumnya {old}).",
    "price_default": "bawaan",
    "price_bad_subject": "Untuk siapa? Tulis customer, reseller atau ID Telegram (angka).",
    "price_bad_amount": "Markup harus rupiah bulat 0 atau lebih, mis. 0, 500 atau 2.500 "
    "(atau - untuk menghapus aturan).",
    "price_unknown_product": "Produk {product} tidak ada di katalog. Pakai * untuk semua produk.",
    "products_title": "<b>Produk</b> (markup pelanggan / reseller)",
    "products_line": "{state} <code>{code}</code> {name}: {customer} / {reseller}",
    "products_on": "✅",
    "products_off": "⛔",
    "usage_products": "Pakai: /products, /products on|off &lt;kode&gt;, /products refresh",
    "products_switched_off": "{code} dimatikan: tidak bisa dicek lagi. "
    "Tagihan yang sudah tampil tetap bisa dibayar.",
    "products_switched_on": "{code} dinyalakan lagi.",
    "products_already": "{code} sudah {state}.",
    "products_unknown": "Produk {code} tidak ada di katalog.",
    "product_off": "Produk {product} sedang tidak dijual. Coba lagi nanti atau pilih produk lain.",
    "product_prepaid": "{product} adalah produk prabayar (pulsa, data, voucher): Loket hanya membayar "
    "tagihan pascabayar.",
    "product_no_code": "{product} belum tersedia: daftar produk biller tidak menyebut kodenya. "
    "Operator sudah diberi tahu.",
    "catalogue_refreshed": "Daftar produk {provider} dimuat ({count} produk, {extra} kode biller). {note}",
    "catalogue_from_cache": "Biller tidak bisa dihubungi: dipakai daftar tersimpan dari {time} WIB.",
    "catalogue_none": "Biller tidak bisa dihubungi dan belum ada daftar tersimpan: "
    "produk tanpa kode biller tidak bisa dicek.",
    "catalogue_missing": "Tanpa kode biller: {codes}",
    "catalogue_bad_override": "AYOCONNECT_PRODUCT_CODES salah: {items}",
    "catalogue_static": "Biller ini tidak punya daftar produk untuk dimuat.",
    "choose_product_page": "Pilih produk <b>{category}</b> (halaman {page} dari {pages}),\n"
    "atau ketik sebagian namanya untuk mencari.",
    "search_found": "Produk <b>{category}</b> yang cocok dengan “{query}” ({count}):",
    "search_more": "{more} lainnya tidak tampil: ketik nama lebih lengkap.",
    "search_none": "Tidak ada produk <b>{category}</b> yang cocok dengan “{query}”. "
    "Ketik bagian nama yang lain, atau pilih dari daftar.",
    "btn_all_products": "☰ Semua produk",
    "stats_margin_title": "<b>Margin per produk</b> (dibayar pengguna − diambil biller):",
    "stats_margin_none": "Margin per produk: belum ada pembayaran sukses.",
    "stats_margin_line": "<code>{code}</code> {name} ×{count}: dibayar {paid} − biller {taken} = "
    "<b>{margin}</b> {basis}",
    "stats_margin_more": "(… {more} produk lain dengan margin lebih kecil)",
    "stats_basis_cost": "(biaya dari biller)",
    "stats_basis_bill": "(dari total tagihan: biller tidak menyebut biayanya)",
    "stats_basis_mixed": "(biaya biller {by_cost} dari {count}, selebihnya total tagihan)",
}

EN: dict[str, str] = {
    "help_catalogue_admin": "/price – the price table; /price &lt;product|*&gt; &lt;customer|reseller|id&gt; "
    "&lt;markup|-&gt; – change a price\n"
    "/products – products, on/off and prices; /products on|off &lt;code&gt;; /products refresh – "
    "reload the biller's product list",
    "usage_price": "Usage: /price &lt;product|*&gt; &lt;customer|reseller|telegram_id&gt; &lt;markup|-&gt;\n"
    "e.g. <code>/price * reseller 500</code>, <code>/price TELKOMPSTN 1001 0</code>, "
    "<code>/price * customer -</code> (remove the rule)",
    "price_table": "<b>Prices (markup on top of the bill)</b>\nDefault (MARKUP): {default}",
    "price_line": "{product} · {subject}: {amount}",
    "price_none": "No rules yet: everyone pays the default markup.",
    "price_rule_all": "all products",
    "price_subject_user": "user {user_id}",
    "price_order": "The most specific applies: user &gt; role; product &gt; all products.",
    "price_set": "Markup of {product} for {subject}: {new} (was {old}). Bills already shown do not change.",
    "price_removed": "Rule of {product} for {subject} removed (was {old}).",
    "price_default": "default",
    "price_bad_subject": "For whom? Write customer, reseller or a Telegram id (digits).",
    "price_bad_amount": "A markup is whole rupiah, 0 or more, e.g. 0, 500 or 2.500 "
    "(or - to remove the rule).",
    "price_unknown_product": "Product {product} is not in the catalogue. Use * for every product.",
    "products_title": "<b>Products</b> (markup customer / reseller)",
    "products_line": "{state} <code>{code}</code> {name}: {customer} / {reseller}",
    "products_on": "✅",
    "products_off": "⛔",
    "usage_products": "Usage: /products, /products on|off &lt;code&gt;, /products refresh",
    "products_switched_off": "{code} switched off: no new bills. Bills already shown can still be paid.",
    "products_switched_on": "{code} switched on again.",
    "products_already": "{code} is already {state}.",
    "products_unknown": "Product {code} is not in the catalogue.",
    "product_off": "Product {product} is not on sale right now. Try again later or pick another product.",
    "product_prepaid": "{product} is a prepaid product (airtime, data, vouchers): Loket only pays "
    "postpaid bills.",
    "product_no_code": "{product} is not available yet: the biller's product list names no code for it. "
    "The operator has been told.",
    "catalogue_refreshed": "Product list of {provider} loaded ({count} products, "
    "{extra} biller codes). {note}",
    "catalogue_from_cache": "The biller cannot be reached: using the list saved at {time} WIB.",
    "catalogue_none": "The biller cannot be reached and no list is saved: products without a biller code "
    "cannot be looked up.",
    "catalogue_missing": "Without a biller code: {codes}",
    "catalogue_bad_override": "AYOCONNECT_PRODUCT_CODES is wrong: {items}",
    "catalogue_static": "This biller has no product list to load.",
    "choose_product_page": "Choose a <b>{category}</b> product (page {page} of {pages}),\n"
    "or type part of its name to search.",
    "search_found": "<b>{category}</b> products matching “{query}” ({count}):",
    "search_more": "{more} more not shown: type more of the name.",
    "search_none": "No <b>{category}</b> product matches “{query}”. "
    "Type another part of the name, or pick from the list.",
    "btn_all_products": "☰ All products",
    "stats_margin_title": "<b>Margin per product</b> (paid by the users − taken by the biller):",
    "stats_margin_none": "Margin per product: no successful payment yet.",
    "stats_margin_line": "<code>{code}</code> {name} ×{count}: paid {paid} − biller {taken} = "
    "<b>{margin}</b> {basis}",
    "stats_margin_more": "(… {more} more products with a smaller margin)",
    "stats_basis_cost": "(the biller's cost)",
    "stats_basis_bill": "(from the bill total: the biller did not tell its cost)",
    "stats_basis_mixed": "(the biller's cost for {by_cost} of {count}, the bill total for the rest)",
}
