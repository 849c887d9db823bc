"""The equipment pages, one module per sub-area: ``assets`` (the register, labels and
scanning), ``loans``, ``class_sets``, ``stocktakes``, ``losses``, ``disposal``, ``software``
and ``devices`` (personal devices, pupils' phones and guest Wi-Fi); ``helpers`` holds what
they share. Imports are in ``import_views.py``. Every view parses input, checks access,
calls a service, renders.
"""
