"""The governance pages, by sub-area."""
