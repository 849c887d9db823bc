"""The records area's tables."""
