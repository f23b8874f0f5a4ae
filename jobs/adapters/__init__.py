"""The edges: Postgres, DynamoDB, services, ECS, Scheduler; driver errors become jobs.errors here."""
