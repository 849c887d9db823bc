"""The governance area's tables."""
