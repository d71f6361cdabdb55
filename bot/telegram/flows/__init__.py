"""The chat's rooms: one module per way in, each exporting its handlers.

- `guided.py`   the customer's guided payment: category, product, number, months, bill
- `bill.py`     a bill shown in the chat and its Pay / Cancel buttons (both ways of paying)
- `reseller.py` one-line commands: CEK, BAYAR, STATUS, SAL, MUTASI, LAP, /pay, /status
- `account.py`  /start, /help, /lang, the menu, history, receipts, the wallet
- `operator.py` commands only operators (ADMIN_IDS) have: /topup, /adjust, /role, /deposit…
- `fallback.py` what no room took: stale buttons, unknown commands, photos, edits

`bot/telegram/app.py` registers them in that order; `fallback` must come last.
"""
