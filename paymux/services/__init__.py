"""Use cases. Each takes the runtime (database, vault, connectors, clock) and returns domain objects;
none knows about HTTP."""
