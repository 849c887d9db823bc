"""Small pure helpers that need no Django."""
