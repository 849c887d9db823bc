"""Filters for the server log."""

from __future__ import annotations

import logging


class OneLineClientErrors(logging.Filter):
    """Log a refused or missing page (4xx) as one line with its reason, not a traceback.

    Django hands ``django.request`` the exception behind every 403 and 404, and the log then
    carries a full traceback for what is an ordinary answer ("your role does not allow
    this"). Tracebacks stay for server errors (5xx), where they are needed.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and isinstance(status, int) and status < 500:
            exc = record.exc_info[1]
            reason = " ".join(str(exc or "").split())
            line = record.getMessage()
            record.msg = f"{line}: {reason}" if reason else line
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True
