"""Telegram only: parse the update, check the role, call a use case, render, reply."""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    broadcast,
    conclusion,
    conversation,
    menu,
    notices,
    onboarding,
    petitions,
    petitions_mine,
    profile,
    reports,
    sessions_admin,
    sessions_resident,
    survey,
    workflow_inbox,
    workflow_resident,
    workflow_supervisor,
    workflow_unit,
)
from handlers.errors import on_error


def register_all(app: Application) -> None:
    """Flow handlers first; the catch-all conversation router last."""
    for module in (
        onboarding,
        menu,
        profile,
        broadcast,
        notices,
        petitions,
        petitions_mine,
        sessions_resident,
        sessions_admin,
        workflow_inbox,
        workflow_unit,
        workflow_resident,
        workflow_supervisor,
        conclusion,
        survey,
        reports,
        conversation,
    ):
        module.register(app)
    app.add_error_handler(on_error)
