"""The monitoring app's models: filtering (groups, policies, lists, exceptions) and
monitoring (keyword libraries, IP leases, ingestion checkpoints, violations)."""

from .filtering import *  # noqa: F403
from .monitoring import *  # noqa: F403
