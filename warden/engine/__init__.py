"""Warden's filtering and monitoring engine. It never imports Django."""
