"""The monitoring app's selectors, one module per half (filtering, monitoring)."""
