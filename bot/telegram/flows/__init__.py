"""The chat's rooms: one module per way in, each exporting its handlers.

- `guided.py`   the customer's guided payment: category, product, number, months, bill
- `bill.py`     a bill shown in the chat and its Pay / Cancel buttons (both ways of paying)
- `reseller.py` one-line commands: CEK, BAYAR, STATUS, SAL, MUTASI, LAP, /pay, /status
- `account.py`  /start, /help, /lang, the menu, history, receipts, the wallet
- `qris.py`     a bill paid by QRIS: the QR and its Check / Cancel buttons
- `topup.py`    topping up: /isi, the menu's "Isi saldo", QRIS or a deposit ticket
- `tickets.py`  the operators' deposit tickets: /tiket, /terima, /tolak
- `operator.py` commands only operators (ADMIN_IDS) have: /topup, /adjust, /role, /deposit…
  (and beside it operator_tools.py, topup_confirm.py, catalogue_admin.py, exports.py,
  maintenance.py: README.md's "How it is built" names each)
- `fallback.py` what no room took: stale buttons, unknown commands, photos, edits

`bot/telegram/app.py` registers them in that order; `fallback` must come last.
"""
