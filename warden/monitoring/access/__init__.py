"""The monitoring app's access, one module per half (filtering, monitoring)."""
