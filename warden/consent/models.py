"""The consent area's tables."""
