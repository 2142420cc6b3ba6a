"""The project's own system checks (`manage.py check --deploy`), registered by `rakornis.apps.RakornisConfig`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Notification emails link to the page they are about through SITE_URL: without it they can only name a path,
    and a plain-http link sends a session to a page without TLS."""
    site_url: str = getattr(settings, "SITE_URL", "")
    if not site_url:
        if getattr(settings, "NOTIFICATION_EMAILS", False):
            return [
                Warning(
                    "EMAIL_HOST is set but SITE_URL is not: notification emails cannot link to the proposal.",
                    hint="Set SITE_URL to the application's public address, e.g. https://rakornis.example.go.id.",
                    id="rakornis.W001",
                )
            ]
        return []
    if not site_url.startswith("https://"):
        return [
            Warning(
                f"SITE_URL ({site_url}) is not https: links in emails would open the site without TLS.",
                hint="Use the https address users open, e.g. https://rakornis.example.go.id.",
                id="rakornis.W002",
            )
        ]
    return []
