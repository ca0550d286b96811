"""SQL only, per noun. Never commits, never publishes: ``actions`` own the transaction."""
