"""Zalo's numeric error codes, in one place so the fake and its tests agree on them.

The real platform answers HTTP 200 with ``{"error": <negative int>, "message": ...}``. The codes
below are those the fake produces; meanings marked "reported" come from third-party integrations
(chatwoot, ChatbotX, Poto_platform, KataChannel), not from an official table we could read, so
only the code numbers a bot branches on matter, not the exact wording.
"""

from __future__ import annotations

__all__ = [
    "ACCESS_TOKEN_EXPIRED",
    "ACCESS_TOKEN_INVALID",
    "ACCESS_TOKEN_REVOKED",
    "DEFAULT_MESSAGES",
    "EMPTY_API",
    "INVALID_PARAMS",
    "NOT_FOLLOWER",
    "NO_INTERACTION_7_DAYS",
    "NO_INTERACTION_7_DAYS_ALT",
    "OAUTH_INVALID_CODE",
    "OAUTH_INVALID_PARAMS",
    "OAUTH_INVALID_REFRESH_TOKEN",
    "RATE_LIMITED",
    "TOO_LONG",
    "USER_BLOCKED",
    "USER_INACTIVE_45_DAYS",
    "USER_REFUSED",
    "ZNS_INVALID_PHONE",
    "ZNS_INVALID_TEMPLATE",
    "ZNS_OUT_OF_QUOTA",
    "ZNS_TEMPLATE_DATA_INVALID",
    "ZNS_TOKEN_INVALID",
    "message_for",
]

RATE_LIMITED = -32
ZNS_INVALID_PHONE = -108
ZNS_INVALID_TEMPLATE = -109
ZNS_TEMPLATE_DATA_INVALID = -112
"""zalo.cloud's ZNS error table: template data invalid (a parameter missing or too long)."""
ZNS_OUT_OF_QUOTA = -115
"""Reported (the ZNS account's balance or daily quota is used up); the number is not confirmed."""
ZNS_TOKEN_INVALID = -124
INVALID_PARAMS = -201
TOO_LONG = -210
NOT_FOLLOWER = -213
ACCESS_TOKEN_INVALID = -216
ACCESS_TOKEN_EXPIRED = -216
"""Chatwoot refreshes the token on -216 when a send fails, so an expired token reports -216."""
USER_BLOCKED = -217
ACCESS_TOKEN_REVOKED = -220
USER_INACTIVE_45_DAYS = -227
NO_INTERACTION_7_DAYS = -230
NO_INTERACTION_7_DAYS_ALT = -232
USER_REFUSED = -244
EMPTY_API = 404

OAUTH_INVALID_PARAMS = -14003
OAUTH_INVALID_REFRESH_TOKEN = -14014
"""Not confirmed against Zalo's table; any negative code with a message was acceptable."""
OAUTH_INVALID_CODE = -14019
"""Not confirmed either; reusing or inventing an authorization code must simply fail."""

DEFAULT_MESSAGES: dict[int, str] = {
    RATE_LIMITED: "The application has exceeded its request rate limit",
    ZNS_INVALID_PHONE: "Phone number invalid",
    ZNS_INVALID_TEMPLATE: "Template id is invalid",
    ZNS_TEMPLATE_DATA_INVALID: "Template data invalid",
    ZNS_OUT_OF_QUOTA: "Out of quota",
    ZNS_TOKEN_INVALID: "Access token invalid",
    INVALID_PARAMS: "Parameters are invalid",
    TOO_LONG: "Parameter exceeds the maximum length",
    NOT_FOLLOWER: "User has not followed the Official Account",
    ACCESS_TOKEN_INVALID: "Access token is invalid",
    USER_BLOCKED: "User cannot receive messages from this Official Account",
    ACCESS_TOKEN_REVOKED: "Access token has expired or has been revoked",
    USER_INACTIVE_45_DAYS: "User has been inactive for more than 45 days",
    NO_INTERACTION_7_DAYS: "User has not interacted with the OA in the past 7 days",
    NO_INTERACTION_7_DAYS_ALT: "Consultation messages need an interaction in the past 7 days",
    USER_REFUSED: "User has refused to receive messages from this Official Account",
    EMPTY_API: "You currently access to an empty api",
    OAUTH_INVALID_PARAMS: "Invalid parameter",
    OAUTH_INVALID_REFRESH_TOKEN: "Invalid refresh token",
    OAUTH_INVALID_CODE: "Invalid authorization code",
}


def message_for(code: int) -> str:
    """A plausible message for ``code`` so injected errors look like real ones."""
    return DEFAULT_MESSAGES.get(code, f"Error {code}")
