"""The violations list as CSV or XLSX: the page's rows, filters and access.

A violation names a child and what they searched for: the file is as sensitive as the page,
so only the roles that may open the page may download it, and each download is audited.
"""

from __future__ import annotations

from warden.core.exports import filtered_list_export
from warden.core.roles import Perm
from warden.lib.exports import Column
from warden.monitoring.filtering_rules import category_label
from warden.monitoring.models import Violation
from warden.monitoring.selectors.monitoring import violations_list
from warden.monitoring.views.monitoring import violation_filters

VIOLATION_COLUMNS: list[Column[Violation]] = [
    Column("Time", lambda v: v.ts),
    Column("Severity", lambda v: v.severity),
    Column("Who", lambda v: v.who),
    Column("Category", lambda v: category_label(v.category)),
    Column("Matched phrase", lambda v: v.phrase or v.get_kind_display()),
    Column("Site", lambda v: v.host),
]


violation_export = filtered_list_export(
    perm=Perm.VIOLATIONS_VIEW,
    name="violations",
    title="Violations at {school}",
    filtered=violation_filters,
    listed=violations_list,
    columns=VIOLATION_COLUMNS,
)
