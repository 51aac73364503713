"""Transfers, one module per use case (the order write model: `mutate` + `@requires`, the unit of work).

request.py (requestTransfer: hold at the source), ship.py (shipTransfer: off the source's on hand),
receive.py (receiveTransfer: onto the destination's on hand, short receipts per line), cancel.py
(cancelTransfer: release the hold), reads.py (transfers(storeId), Transfer nodes), steps.py (what
the steps share: the stock moves inside the transaction, the transfer locked first).
"""
