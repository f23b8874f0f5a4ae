-- The Payments and User Service simulator's tables. Safe to run again.
-- The advisory lock serializes concurrent runs of this script (CREATE ... IF NOT EXISTS races otherwise).
SELECT pg_advisory_xact_lock(hashtext('floatctl.sandbox.services'));

-- User Service: the debit cards on file per user.
CREATE TABLE IF NOT EXISTS debit_cards (
    card_id    text PRIMARY KEY,
    user_id    bigint NOT NULL,
    last4      text NOT NULL,
    is_primary boolean NOT NULL,
    status     text NOT NULL,
    exp_month  int NOT NULL,
    exp_year   int NOT NULL
);
CREATE INDEX IF NOT EXISTS debit_cards_user_id_idx ON debit_cards (user_id);

-- Payments Service: one row per accepted next-day ACH; the unique key makes submissions exactly-once.
CREATE TABLE IF NOT EXISTS payments (
    payment_id      text PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE,
    float_id        bigint NOT NULL,
    user_id         bigint NOT NULL,
    amount_cents    bigint NOT NULL,
    effective_date  date NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'ACCEPTED'  -- as the GET by key answers it (a scenario may stage RETURNED)
);
ALTER TABLE payments ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'ACCEPTED';  -- older sandboxes

-- One row per POST received, faulted or not: the ground truth for the partner's rate limit.
-- status_code is the status sent; NULL when the connection was dropped without a response.
CREATE TABLE IF NOT EXISTS payment_requests (
    id              bigserial PRIMARY KEY,
    idempotency_key text,
    received_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    status_code     int
);
