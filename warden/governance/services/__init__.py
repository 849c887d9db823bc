"""Every write to the governance area goes through these, by sub-area."""
