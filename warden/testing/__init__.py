"""Shared test support: factories and signed-in clients. Used by every app's tests."""
