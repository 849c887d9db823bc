"""The publication area's tables."""
