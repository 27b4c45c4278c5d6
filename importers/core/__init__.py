"""What every source's importer shares: HTTP, the idempotent writer, runs and progress."""
