"""The privacy area's tables."""
