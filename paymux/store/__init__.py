"""Storage: SQL tables, queries, migrations, and the transaction helpers (one use case, one transaction)."""
