"""Privacy by construction: log scrubbing (and, later, IP escrow, retention and statistics)."""
