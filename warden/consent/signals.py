"""Hooks other areas listen to (publication lists the images to take down)."""

from django.dispatch import Signal

# Sent inside the service's transaction with school=..., pupil=..., purpose=...,
# decision=... whenever a purpose turns from granted or waiting to refused for a pupil (a
# "no" or a withdrawal): whatever was published under it must come down.
consent_refused = Signal()
