"""Files the fake knows by file_id: uploads from the bot, media from users, getFile and download.

One store serves both directions, so a file_id a user sent can be reused by the bot and fetched
through ``/file/bot{token}/{file_path}`` as with the real Bot API.
"""

from __future__ import annotations

from typing import Any

from .models import ApiError, StoredFile
from .params import Params

__all__ = ["FileStore"]

_FILE_PREFIX = {"photos": "AgAC", "documents": "BQAC", "voice": "AwAC", "videos": "BAAC"}
_FILE_EXT = {
    "photos": ".jpg",
    "voice": ".oga",
    "videos": ".mp4",
    "video_notes": ".mp4",
    "music": ".mp3",
    "stickers": ".webp",
}
_FILE_TYPE_NAMES = {"photos": "Photo", "documents": "Document", "voice": "Voice"}


class FileStore:
    def __init__(self, bot_id: int) -> None:
        self.bot_id = bot_id
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._seq = 0

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def store(
        self, kind: str, data: bytes | None, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        self._seq += 1
        seq = self._seq
        file_id = f"{_FILE_PREFIX.get(kind, 'CAAC')}{seq:06d}fake{self.bot_id}"
        ext = _FILE_EXT.get(kind, ".bin")
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"AQAD{seq:06d}",
            kind=kind,
            file_path=f"{kind}/file_{seq}{ext}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._by_id[file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def photo_sizes(self, data: bytes | None) -> list[dict[str, Any]]:
        sizes: list[dict[str, Any]] = []
        stored_sizes: list[StoredFile] = []
        for side in (90, 320, 800):
            stored = self.store("photos", data, None, "image/jpeg")
            stored_sizes.append(stored)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": stored.size,
                    "width": side,
                    "height": side,
                }
            )
        for stored in stored_sizes:
            stored.photo_sizes = sizes
        return sizes

    @staticmethod
    def file_dict(stored: StoredFile, with_name: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        if with_name and stored.file_name:
            data["file_name"] = stored.file_name
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        return data

    def input_file(self, p: Params, name: str) -> tuple[StoredFile, bool]:
        """The file a send method refers to: (stored file, whether it was uploaded now)."""
        photo = name == "photo"
        value = p.data.get(name)
        upload = p.files.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = p.files.get(value[len("attach://") :])
        if upload is not None:
            if photo:
                sizes = self.photo_sizes(upload.data)
                return self._by_id[sizes[-1]["file_id"]], True
            return self.store("documents", upload.data, upload.file_name, upload.content_type), True
        if isinstance(value, str) and value:
            known = self._by_id.get(value)
            if known is not None:
                if photo != (known.kind == "photos"):
                    have = _FILE_TYPE_NAMES.get(known.kind, known.kind.capitalize())
                    want = "Photo" if photo else "Document"
                    raise ApiError(400, f"Bad Request: can't use file of type {have} as {want}")
                return known, False
            if value.startswith(("http://", "https://")):
                file_name = value.rsplit("/", 1)[-1] or None
                if photo:
                    sizes = self.photo_sizes(None)
                    return self._by_id[sizes[-1]["file_id"]], False
                return self.store("documents", None, file_name, None), False
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise ApiError(400, f"Bad Request: there is no {name} in the request")

    async def get_file(self, p: Params) -> Any:
        stored = self._by_id.get(p.text("file_id") or "")
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }
