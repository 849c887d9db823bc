"""Confidential records with audited access grants, shared by the incident log
(``warden.incidents``) and welfare concerns (``warden.safeguarding``).

Both keep a numbered record per school that only holders of a "view" permission and the
people on that record's access list may read, an append-only chronology, playbook steps
copied onto the record and ticked with who and when, and an access list the record's
managers add to and remove from, saying why. The pieces here are the one form of each:
abstract models (``models``), the writes (``services``), the "who may read" check
(``access``) and the page helpers (``views``, ``forms``). Each area keeps its own wording,
permissions and tables; what a record *is* stays in its area.
"""
