"""Every write to the incident log and the triage queue goes through these services.

Each runs in a transaction, writes the audit trail and, for an incident, a line of its
chronology, and raises ``ServiceError`` with a message a person can act on. E-mails say
only that something needs attention and link to Warden: the details stay behind sign-in.

Monitoring's ``violations_stored`` signal reaches ``violations_received`` (through
``receivers.py``) for each ingested chunk that found violations: it opens their triage and
e-mails the DSL(s) about any of severity 4 or 5 once the chunk commits.

One module per sub-area: ``incidents`` (reporting and the record, with its access list),
``steps`` (playbooks), ``evidence``, ``sanctions``, ``triage`` (with the daily digest and
the weekly report) and ``authorisations`` (staff monitoring); ``_shared`` and
``_sanctions`` hold the helpers several of them use. Code inside and outside incidents
imports from the sub-modules, so this package re-exports nothing.
"""
