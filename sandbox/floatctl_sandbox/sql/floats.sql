-- The floats table of docs/data-contracts.md (Postgres `floats`), applied idempotently to both
-- sandbox databases (main, replica).
-- Columns are nullable on purpose: the batch must survive malformed rows (SKIP_INVALID), not crash.
CREATE TABLE IF NOT EXISTS floats (
    id           bigint PRIMARY KEY,
    user_id      bigint,
    status       text,
    amount_cents bigint,
    due_date     date,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Keyset paging reads SCHEDULING floats in id order within a due window; the partial index holds
-- only those rows and covers the window filter, so a page is an index range scan, never OFFSET.
CREATE INDEX IF NOT EXISTS floats_scheduling_by_id
    ON floats (id) INCLUDE (due_date)
    WHERE status = 'SCHEDULING';
