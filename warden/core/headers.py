"""Security headers Django does not set itself: Content-Security-Policy and Permissions-Policy.

The policy allows scripts, styles, images and fonts from Warden's own origin only: no
inline script, no inline event handler, no inline style (pages use classes from
``core/warden.css`` and behaviour from ``core/warden.js``), no plug-ins, no ``<base>``,
no framing, and forms post only to Warden. htmx runs under it with ``allowEval`` and
``allowScriptTags`` off (``base.html``). Django's ``SecurityMiddleware`` sets the rest
(HSTS and the HTTPS redirect when ``WARDEN_SECURE_COOKIES`` is on, nosniff, Referrer-Policy,
Cross-Origin-Opener-Policy).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

# Nothing in Warden uses these browser features; a page injected into it cannot either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "bluetooth",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
