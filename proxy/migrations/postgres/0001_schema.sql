-- Orders, payments (purchases and payouts) and the audit of every platform report.
-- Times are Unix milliseconds; amounts are minor units.

CREATE TABLE orders (
    id          TEXT PRIMARY KEY,
    amount      BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    description TEXT NOT NULL,
    customer_id TEXT,
    created_at  BIGINT NOT NULL
);

CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    mode            TEXT NOT NULL,
    order_id        TEXT REFERENCES orders (id),
    -- Equals order_id while the purchase is not final: at most one live payment per order.
    open_order_id   TEXT UNIQUE,
    idempotency_key TEXT,
    payout_ref      TEXT UNIQUE,
    amount          BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    customer_id     TEXT NOT NULL,
    first_name      TEXT,
    email           TEXT,
    customer_ip     TEXT,
    account_number  TEXT,
    account_name    TEXT,
    status          TEXT NOT NULL,
    platform_status TEXT,
    code            TEXT,
    message         TEXT,
    redirect        TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    -- Reconciler: when to ask the platform next (NULL once final), and who holds it.
    next_check_at   BIGINT,
    check_attempts  BIGINT NOT NULL DEFAULT 0,
    lease_until     BIGINT,
    version         BIGINT NOT NULL DEFAULT 0,
    UNIQUE (order_id, idempotency_key)
);

CREATE INDEX payments_next_check ON payments (next_check_at);
CREATE INDEX payments_created ON payments (created_at);

CREATE TABLE callbacks (
    id              BIGSERIAL PRIMARY KEY,
    payment_id      TEXT,
    received_at     BIGINT NOT NULL,
    platform_status TEXT,
    outcome         TEXT NOT NULL,
    -- 'callback' or 'status_answer' (the reconciler's status requests).
    source          TEXT NOT NULL,
    body            TEXT NOT NULL
);

CREATE INDEX callbacks_payment ON callbacks (payment_id);
