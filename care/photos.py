"""Agent photos are public: store a clean, small copy, never the upload itself."""

from __future__ import annotations

import io
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile, File
from PIL import Image, ImageOps

PHOTO_SIZE = 512


def prepare_photo(upload: File[Any]) -> ContentFile[bytes]:
    """A square-bounded PNG without metadata: camera EXIF (GPS position included)
    must not reach the public team page. The upload was validated before."""
    upload.seek(0)
    with Image.open(upload) as original:
        image = ImageOps.exif_transpose(original)
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        image.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
    name = PurePath(upload.name or "photo").stem[:40] or "photo"
    return ContentFile(buffer.getvalue(), name=f"{name}.png")
