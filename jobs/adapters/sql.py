"""Every SQL statement the batch runs, in one place."""

# Keyset paging over the replica, backed by the partial index floats_scheduling_by_id. Never OFFSET.
PAGE_SCHEDULING_FLOATS = """
SELECT id, user_id, status, amount_cents, due_date, updated_at
  FROM floats
 WHERE status = 'SCHEDULING'
   AND due_date BETWEEN %(start)s AND %(end)s
   AND id > %(after_id)s
   AND (%(shard_count)s = 1 OR mod(id, %(shard_count)s) = %(shard_index)s)
 ORDER BY id
 LIMIT %(limit)s
"""

# The re-fetch guard reads the primary.
FLOAT_BY_ID = """
SELECT id, user_id, status, amount_cents, due_date, updated_at
  FROM floats
 WHERE id = %(id)s
"""

# The preflight check of the schema.
FLOATS_COLUMNS = """
SELECT column_name FROM information_schema.columns WHERE table_name = 'floats'
"""
