"""The reporting area's tables."""
