"""Forms of the incident pages, one module per sub-area: ``incidents``, ``triage`` and
``authorisations`` (staff monitoring); ``fields`` holds the widgets and fields they share.
They parse and label; the services decide.
"""
