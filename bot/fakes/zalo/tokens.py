"""The OA's OAuth v4 tokens: one current access/refresh pair, single-use refresh tokens.

Modelled on ``POST https://oauth.zaloapp.com/v4/oa/access_token`` as chatwoot and ChatbotX call
it: header ``secret_key``, form ``app_id, grant_type, refresh_token | code``; the answer is
``{"access_token", "refresh_token", "expires_in": "90000"}`` (25 h, a string). A refresh token
works once (ChatbotX's "single-use Zalo refresh token") and lives about 3 months. Failures carry
``error_name`` / ``error_reason`` / ``error_description`` like Zalo's OAuth errors, plus the
numeric ``error`` and ``message`` every fake answer has.

Differences from the real service, on purpose: the previous access token stops working as soon
as a new pair is issued (the spec: "the token is not the current one"), and the error codes of
the OAuth endpoint (-14003, -14014, -14019) are plausible but unconfirmed.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from .clock import DAY, FakeClock
from .codes import (
    ACCESS_TOKEN_EXPIRED,
    ACCESS_TOKEN_INVALID,
    OAUTH_INVALID_CODE,
    OAUTH_INVALID_PARAMS,
    OAUTH_INVALID_REFRESH_TOKEN,
    ZNS_TOKEN_INVALID,
)
from .models import ZaloError

__all__ = ["OAuthError", "TokenStore"]

ACCESS_TTL = 90_000.0
REFRESH_TTL = 90 * DAY
CODE_TTL = 600.0


class OAuthError(Exception):
    """An OAuth answer with Zalo's ``error_name``/``error_description`` fields."""

    def __init__(self, code: int, name: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.name = name
        self.description = description

    def payload(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "error_name": self.name,
            "error_reason": self.description,
            "error_description": self.description,
            "message": self.description,
        }


@dataclass
class _Code:
    expires_at: float
    challenge: str | None


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class TokenStore:
    """The app's credentials and the OA's current token pair, judged on the fake clock."""

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        clock: FakeClock,
        *,
        access_ttl: float = ACCESS_TTL,
        expired_code: int = ACCESS_TOKEN_EXPIRED,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.access_ttl = access_ttl
        self.expired_code = expired_code
        self._clock = clock
        self.access_token = ""
        self.refresh_token = ""
        self.access_expires_at = 0.0
        self.refresh_expires_at = 0.0
        self.refresh_alive = True
        self.issued_pairs = 0
        self.requests: list[dict[str, str]] = []
        self._codes: dict[str, _Code] = {}
        self.issue_pair()

    # ----- issuing ------------------------------------------------------------------------

    def issue_pair(self) -> dict[str, Any]:
        """A new current pair; the previous access and refresh tokens stop working."""
        now = self._clock.now()
        self.issued_pairs += 1
        self.access_token = f"zat.{self.issued_pairs}.{secrets.token_urlsafe(24)}"
        self.refresh_token = f"zrt.{self.issued_pairs}.{secrets.token_urlsafe(24)}"
        self.access_expires_at = now + self.access_ttl
        self.refresh_expires_at = now + REFRESH_TTL
        self.refresh_alive = True
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": str(int(self.access_ttl)),
        }

    def issue_code(self, code_challenge: str | None = None) -> str:
        """An authorization code as the OA admin's consent would give (10 minutes, once)."""
        code = f"zac.{secrets.token_urlsafe(18)}"
        self._codes[code] = _Code(self._clock.now() + CODE_TTL, code_challenge)
        return code

    def expire_access(self) -> None:
        self.access_expires_at = self._clock.now() - 1

    def kill_refresh(self) -> None:
        self.refresh_alive = False

    # ----- checking -----------------------------------------------------------------------

    def check_access(self, token: str | None, *, zns: bool = False) -> None:
        """Raise the error Zalo gives for this ``access_token`` header, if any."""
        if not token or token != self.access_token:
            code = ZNS_TOKEN_INVALID if zns else ACCESS_TOKEN_INVALID
            raise ZaloError(code, "Access token is invalid")
        if self._clock.now() >= self.access_expires_at:
            code = ZNS_TOKEN_INVALID if zns else self.expired_code
            raise ZaloError(code, "Access token has expired")

    # ----- the OAuth endpoint -------------------------------------------------------------

    def exchange(self, secret_key: str | None, form: dict[str, str]) -> dict[str, Any]:
        """Handle one ``/v4/oa/access_token`` form; raises :class:`OAuthError`."""
        self.requests.append(dict(form))
        if form.get("app_id") != self.app_id:
            raise OAuthError(OAUTH_INVALID_PARAMS, "Invalid parameter", "app_id is invalid")
        if secret_key != self.app_secret:
            raise OAuthError(OAUTH_INVALID_PARAMS, "Invalid parameter", "secret_key is invalid")
        grant = form.get("grant_type")
        if grant == "refresh_token":
            return self._refresh(form.get("refresh_token", ""))
        if grant == "authorization_code":
            return self._authorize(form.get("code", ""), form.get("code_verifier"))
        raise OAuthError(OAUTH_INVALID_PARAMS, "Invalid parameter", "grant_type is invalid")

    def _refresh(self, token: str) -> dict[str, Any]:
        usable = (
            bool(token)
            and token == self.refresh_token
            and self.refresh_alive
            and self._clock.now() < self.refresh_expires_at
        )
        if not usable:
            raise OAuthError(
                OAUTH_INVALID_REFRESH_TOKEN,
                "Invalid refresh token",
                "Refresh token is invalid, expired or has already been used",
            )
        return self.issue_pair()

    def _authorize(self, code: str, verifier: str | None) -> dict[str, Any]:
        entry = self._codes.pop(code, None)
        if entry is None or self._clock.now() >= entry.expires_at:
            raise OAuthError(
                OAUTH_INVALID_CODE,
                "Invalid authorization code",
                "Authorization code is invalid, expired or has already been used",
            )
        if entry.challenge is not None and (not verifier or _s256(verifier) != entry.challenge):
            raise OAuthError(
                OAUTH_INVALID_CODE, "Invalid code verifier", "code_verifier does not match"
            )
        return self.issue_pair()
