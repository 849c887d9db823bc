"""Turn an ``EMAIL_URL`` such as ``smtp://user:pass@host:587/?tls=1`` into Django settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from warden.lib.env import ConfigError

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}


def parse_email_url(url: str) -> dict[str, Any]:
    """Return the ``EMAIL_*`` settings an e-mail URL describes.

    ``file:///var/mail`` writes each message to a file under that folder; ``console://``
    prints them; ``smtp://`` and ``smtps://`` send through a server.
    """
    parts = urlsplit(url)
    if parts.scheme not in BACKENDS:
        known = ", ".join(sorted(BACKENDS))
        raise ConfigError(f"EMAIL_URL scheme {parts.scheme!r} is not one of: {known}.")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    config: dict[str, Any] = {"EMAIL_BACKEND": BACKENDS[parts.scheme]}
    if parts.scheme == "file":
        config["EMAIL_FILE_PATH"] = unquote(parts.path)
    if parts.scheme in {"smtp", "smtps"}:
        config.update(
            EMAIL_HOST=parts.hostname or "localhost",
            EMAIL_PORT=parts.port or (465 if parts.scheme == "smtps" else 25),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_SSL=parts.scheme == "smtps",
            EMAIL_USE_TLS=query.get("tls", "0").lower() in {"1", "true", "yes"},
        )
    return config
