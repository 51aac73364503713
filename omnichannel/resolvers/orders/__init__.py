"""The order write model: one module per use case, each load -> decide (domain) -> commit once.

| module          | mutation / job                                          |
|-----------------|---------------------------------------------------------|
| place.py        | placeOrder (PICKUP and routed: one path)                |
| pay.py          | confirmPayment                                          |
| cancel.py       | cancelOrder                                             |
| fulfil.py       | startPicking, markReadyForPickup, markShipped, confirmDelivery |
| hand_over.py    | completePickup                                          |
| expire.py       | the expiry sweeper (unpaid orders past their hold)      |
| till_coupon.py  | redeemCoupon on an order waiting for payment (its repricing steps) |
| refund.py       | refundOrder (and the whole refund cancelOrder requests for a paid order) |
| confirm_refund.py | confirmRefund (the payment provider ends a refund: points, coupons, returned stock) |

Shared, not use cases: access.py (which order a caller may act on), benefits.py (promotions,
coupons and points of an order being placed), steps.py (free or sell held stock, expire an order),
reads.py (the order queries). A use case receives `(ctx, uow)`: the caller and clock from the
context, storage only through the unit of work (domain.ports). The domain decides and records the
facts (domain.order_aggregate, domain.events); the use case saves, hands the facts to
`uow.record` and commits with `uow.atomic`; resolvers/mutation.py publishes them after COMMIT.
"""
