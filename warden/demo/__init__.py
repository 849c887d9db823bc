"""The demo trust (``warden demo``): above every area, so it may use them all.

``trust.py`` plans and loads the synthetic trust, its schools, people and sign-ins; each
area adds its own part through ``<app>/demo.py`` (``LOADERS``). Nothing below this package
imports it.
"""
