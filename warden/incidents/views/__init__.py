"""The incident log's pages: list, incident, report, my reports, anti-bullying log, triage.

Every view fetches through ``warden.incidents.access``; every read of an incident or a
violation is written to the audit trail before the page is rendered.

One module per sub-area: ``log`` (the list, the anti-bullying log, reporting and my
reports), ``incident`` (one incident and every action on it), ``triage``, ``technical``
(the technical part of malware and security incidents), ``reports`` (the termly report
and the weekly digest) and ``authorisations`` (staff monitoring); ``helpers`` holds what
they share.
"""
