"""Images as Zalo's upload takes them: JPG or PNG of at most 1 MB.

A bigger image (a poster at print resolution, a chart, a resident's photo forwarded) or one in
another format is re-encoded as JPEG, scaled down step by step until it fits. One that still
does not fit goes as a PDF file (Zalo takes PDFs up to 5 MB), so the person gets it either way.
Bytes that are not an image at all are left as they are: Zalo refuses them and the delivery
worker records its reason, never a silent loss.
"""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import replace

from PIL import Image, UnidentifiedImageError

from bot.channels.zalo.render import ZaloMessage
from bot.conversation.turn import MediaKind

__all__ = ["IMAGE_LIMIT", "fit_for_upload", "fit_image"]

log = logging.getLogger(__name__)

IMAGE_LIMIT = 1024 * 1024
"""Bytes: Zalo's ``/v2.0/oa/upload/image`` limit."""
_SCALES = (1.0, 0.8, 0.6, 0.45, 0.33, 0.25)
_QUALITIES = (85, 70)
_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"


async def fit_for_upload(message: ZaloMessage) -> ZaloMessage:
    """``message`` with its image within Zalo's limits (re-encoded off the event loop)."""
    if message.media_kind is not MediaKind.PHOTO or message.media_data is None:
        return message
    data = message.media_data
    if len(data) <= IMAGE_LIMIT and data.startswith((_JPEG, _PNG)):
        return message
    return await asyncio.to_thread(fit_image, message)


def fit_image(message: ZaloMessage, limit: int = IMAGE_LIMIT) -> ZaloMessage:
    """The re-encoding itself: a JPEG within ``limit``, else a PDF file."""
    data = message.media_data or b""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = _flat(opened)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        log.warning("image %s for Zalo is not readable: %s", message.filename, exc)
        return message
    stem = (message.filename or "anh").rsplit(".", 1)[0]
    for scale in _SCALES:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        scaled = image if scale == 1.0 else image.resize(size, Image.Resampling.LANCZOS)
        for quality in _QUALITIES:
            out = io.BytesIO()
            scaled.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= limit:
                log.info("image %s re-encoded for Zalo: %d → %d bytes", stem, len(data), out.tell())
                return replace(
                    message, media_data=out.getvalue(), filename=f"{stem}.jpg", mime="image/jpeg"
                )
    out = io.BytesIO()
    image.save(out, "PDF", resolution=150)
    log.info("image %s sent to Zalo as a PDF file (%d bytes)", stem, out.tell())
    return replace(
        message,
        media_kind=MediaKind.DOCUMENT,
        media_data=out.getvalue(),
        filename=f"{stem}.pdf",
        mime="application/pdf",
    )


def _flat(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no transparency and no palette."""
    image.load()
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")
