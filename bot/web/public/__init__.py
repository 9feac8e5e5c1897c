"""The public web: pages, the intake form and Open311 (no login, no personal data)."""

from bot.web.public.routes import public_routes

__all__ = ["public_routes"]
