"""Conversation flows, channel-neutral: a ``Turn`` in, neutral replies out (one module per flow)."""

from __future__ import annotations

from bot.conversation.router import Router
from handlers import (
    broadcast,
    conclusion,
    conversation,
    errors,
    linking,
    menu,
    notices,
    onboarding,
    paper,
    petitions,
    petitions_full,
    petitions_mine,
    profile,
    reports,
    sessions_admin,
    sessions_resident,
    survey,
    web_login,
    workflow_inbox,
    workflow_resident,
    workflow_supervisor,
    workflow_unit,
)


def build_router() -> Router:
    """Every flow's commands and buttons; the conversation module's fallbacks catch the rest."""
    router = Router()
    for module in (
        onboarding,
        menu,
        profile,
        linking,
        broadcast,
        notices,
        petitions,
        petitions_mine,
        petitions_full,
        sessions_resident,
        sessions_admin,
        workflow_inbox,
        workflow_unit,
        workflow_resident,
        workflow_supervisor,
        conclusion,
        survey,
        reports,
        paper,
        web_login,
        conversation,
    ):
        module.register(router)
    router.on_error(errors.on_error)
    return router
