"""Split by half of the app: filtering and monitoring."""
