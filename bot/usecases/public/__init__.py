"""The ward on the web without a login: the public pages' reads, the web intake form and the
author's page (code + phone digits, or the bot's signed link)."""

from bot.usecases.public.author import AuthorAccess, Verdict, VerdictResult
from bot.usecases.public.intake import (
    PHOTO_BYTES_MAX,
    PHOTOS_MAX,
    IntakeOutcome,
    IntakeResult,
    Photo,
    Problem,
    WebIntake,
    WebPetition,
)
from bot.usecases.public.pages import Home, ListPage, PetitionPage, PublicPages, SessionCard
from bot.usecases.public.views import PublicEvent, PublicPetition

__all__ = [
    "PHOTOS_MAX",
    "PHOTO_BYTES_MAX",
    "AuthorAccess",
    "Home",
    "IntakeOutcome",
    "IntakeResult",
    "ListPage",
    "PetitionPage",
    "Photo",
    "Problem",
    "PublicEvent",
    "PublicPages",
    "PublicPetition",
    "SessionCard",
    "Verdict",
    "VerdictResult",
    "WebIntake",
    "WebPetition",
]
