"""Uploaded and user-sent files: the OA's ``/v2.0/oa/upload/image|file`` and users' attachments.

Limits as documented for the OA upload APIs: images JPG/PNG up to 1 MB (``attachment_id``),
files PDF/DOC/DOCX up to 5 MB (``token``); the spec adds CSV. The error codes for a rejected
upload are not confirmed: the fake answers -210 for too large and -201 for a wrong type.
Everything is kept in memory and served at ``/media/<key>`` so a bot can download what users
sent, like Zalo's CDN URLs.
"""

from __future__ import annotations

import secrets

from .codes import INVALID_PARAMS, TOO_LONG
from .models import MediaItem, ZaloError

__all__ = ["FILE_LIMIT", "FILE_TYPES", "IMAGE_LIMIT", "MediaStore", "extension"]

IMAGE_LIMIT = 1024 * 1024
FILE_LIMIT = 5 * 1024 * 1024
FILE_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
}


def _image_type(data: bytes, name: str) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    lowered = name.lower()
    if lowered.endswith((".jpg", ".jpeg")):
        return "image/jpeg"
    if lowered.endswith(".png"):
        return "image/png"
    return None


def extension(name: str) -> str:
    """The lower-case file extension without the dot, or "" if there is none."""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


class MediaStore:
    """Media by key; OA images by ``attachment_id`` and OA files by ``token``."""

    def __init__(self) -> None:
        self.items: dict[str, MediaItem] = {}
        self.by_attachment_id: dict[str, MediaItem] = {}
        self.by_file_token: dict[str, MediaItem] = {}
        self.base_url = ""

    def url(self, item: MediaItem) -> str:
        return f"{self.base_url}/media/{item.key}"

    def store(self, kind: str, name: str, mime_type: str, data: bytes) -> MediaItem:
        key = f"{secrets.token_hex(8)}.{extension(name) or 'bin'}"
        item = MediaItem(key=key, kind=kind, name=name, mime_type=mime_type, data=data)
        self.items[key] = item
        return item

    def upload_image(self, name: str, data: bytes) -> str:
        mime_type = _image_type(data, name)
        if mime_type is None:
            raise ZaloError(INVALID_PARAMS, "Only JPG and PNG images can be uploaded")
        if len(data) > IMAGE_LIMIT:
            raise ZaloError(TOO_LONG, "Image size exceeds 1MB")
        if not data:
            raise ZaloError(INVALID_PARAMS, "The uploaded image is empty")
        item = self.store("image", name, mime_type, data)
        attachment_id = secrets.token_urlsafe(33)
        self.by_attachment_id[attachment_id] = item
        return attachment_id

    def upload_file(self, name: str, data: bytes) -> str:
        mime_type = FILE_TYPES.get(extension(name))
        if mime_type is None:
            raise ZaloError(INVALID_PARAMS, "Only PDF, DOC, DOCX and CSV files can be uploaded")
        if len(data) > FILE_LIMIT:
            raise ZaloError(TOO_LONG, "File size exceeds 5MB")
        if not data:
            raise ZaloError(INVALID_PARAMS, "The uploaded file is empty")
        item = self.store("file", name, mime_type, data)
        token = secrets.token_urlsafe(40)
        self.by_file_token[token] = item
        return token
