"""The monitoring app's forms, one module per half (filtering, monitoring)."""
