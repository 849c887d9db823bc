"""What the incident log's reports ask for a school's term dates (``incidents.reports``)."""

from warden.reporting.terms import school_calendar

LOOKUP = [school_calendar]
