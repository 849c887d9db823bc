"""Acceptable-use agreements: versioned texts, signatures and the access gate (rules.py)."""
