"""Background tasks, split by half of the app: filtering and monitoring."""
