-- open_order_id used to hold the order only while its purchase was live, and a checkout
-- checked "paid" with a query of its own before inserting. A purchase succeeding between
-- that check and the insert let a second payment open for a paid order. A paid purchase
-- (success, refunded) now keeps holding its order, so the unique constraint refuses any
-- new payment for it. Existing paid purchases take their order back here: the first of
-- each order, unless a live payment holds it. That live payment can only be the race's
-- own second payment; if it is declined, its order is free again for the API, while the
-- widget, which reads the order's `paid`, offers no new payment.
UPDATE payments SET open_order_id = order_id
WHERE kind = 'purchase'
  AND status IN ('success', 'refunded')
  AND id = (
      SELECT MIN(paid.id) FROM payments paid
      WHERE paid.order_id = payments.order_id
        AND paid.kind = 'purchase'
        AND paid.status IN ('success', 'refunded'))
  AND NOT EXISTS (
      SELECT 1 FROM payments live WHERE live.open_order_id = payments.order_id);
