"""Fixtures of the API's tests: the filtering tests' published policy, for the filter check."""

from warden.monitoring.tests.filtering_helpers import (  # noqa: F401 (fixtures)
    filtering_dir,
    published,
    ut1_dir,
)
