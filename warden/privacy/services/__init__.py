"""Every write of the data-protection area: the breach log (``breaches``), the processors
register and the SIRO's overrides (``processors``), off-site permissions and secure wipes
(``media``)."""
