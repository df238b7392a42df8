-- Two indexes held an entry for rows that no query looks up: next_check_at is NULL once
-- a payment is final, and payout_ref is NULL for every purchase. As partial indexes they
-- leave those rows out, so the reconciler's index stays as small as the number of open
-- payments instead of growing with every payment ever made. It also spares entries on
-- each callback: its update changes indexed columns (status, next_check_at), so the new
-- row version gets an entry in every index that covers it. Every query on them names a
-- value (next_check_at <= $1, payout_ref = $1), which implies IS NOT NULL, so the
-- planner still uses them; payout_ref stays unique.
DROP INDEX payments_next_check;
CREATE INDEX payments_next_check ON payments (next_check_at) WHERE next_check_at IS NOT NULL;
ALTER TABLE payments DROP CONSTRAINT payments_payout_ref_key;
CREATE UNIQUE INDEX payments_payout_ref ON payments (payout_ref) WHERE payout_ref IS NOT NULL;
