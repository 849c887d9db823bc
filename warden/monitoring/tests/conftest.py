"""Fixtures of the monitoring app's tests, one block per half."""

# --- filtering ---------------------------------------------------------------------------------
from warden.monitoring.tests.feed_server import publisher  # noqa: F401 (fixture)
from warden.monitoring.tests.filtering_helpers import (  # noqa: F401 (fixtures)
    filtering_dir,
    published,
    ut1_dir,
)

# --- end of filtering ---------------------------------------------------------------------------
