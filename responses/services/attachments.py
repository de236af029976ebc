"""Images on replies: checked, cleaned and kept until the outbox posts them.

What a file is comes from its bytes, opened with Pillow, never from its name or the
browser's content type. Every still image is decoded and encoded again: the copy kept has
no EXIF (phones write the GPS position of every photo there, the customer's or the
agent's), is turned upright first, and is at most 2048 px on its longest side (X's
recommended size; larger is only scaled down by the platform). JPEGs stay JPEG; PNG, WebP
and still GIFs become PNG, which every platform takes; a PNG over 5 MB (X's image limit)
becomes a JPEG.

Animated GIFs are kept byte for byte (re-encoding would cost frames' timing and colours)
when they are at most 5 MB; X allows 15 MB, but a GIF that large is a video, slow to
upload and to show in the thread. Other animated images (WebP, APNG) are refused
rather than flattened into a still the agent did not choose.

How many images a reply takes depends on where it goes (`check_image_count`): up to 4 on
an X post, or one animated GIF alone; one on an X direct message, a Facebook comment or a
Messenger message; none on a private reply to a comment (Facebook allows one message
there, and Messenger sends text and an image as two).
"""

from __future__ import annotations

import io
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from care.errors import CareError
from inbox.models import Platform
from responses.models import Reply

Delivery = Reply.Delivery

MAX_IMAGES = 4  # X's most per post; the most any route takes
LONGEST_SIDE = 2048
# Largest file sent as it is: X's image limit, and the animated GIFs kept untouched.
SENDABLE_BYTES = 5 * 1024 * 1024
FOLDER = "replies"  # under MEDIA_ROOT
# Pillow's name → (content type, extension) of what may be uploaded.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
# CareError codes about the images, shown next to the file input rather than the text.
ERROR_CODES = frozenset(
    {"too_many_images", "not_an_image", "image_too_big", "image_too_many_pixels", "gif_alone"}
)
# How many images each route takes (platform, delivery).
IMAGE_LIMITS: dict[tuple[str, str], int] = {
    (Platform.X, Delivery.PUBLIC_REPLY): 4,
    (Platform.X, Delivery.DIRECT_MESSAGE): 1,
    (Platform.FACEBOOK, Delivery.PUBLIC_REPLY): 1,
    (Platform.FACEBOOK, Delivery.MESSENGER): 1,
    (Platform.FACEBOOK, Delivery.PRIVATE_REPLY): 0,
}


def store_images(files: Sequence[UploadedFile]) -> list[dict[str, Any]]:
    """Check, clean and keep the uploads; what to store on `Reply.attachments`.

    All files are checked before any is written, so a refusal leaves nothing behind.
    CareError (naming the file) for anything that cannot be sent.
    """
    files = [upload for upload in files if upload]
    if len(files) > MAX_IMAGES:
        raise CareError(
            _("At most %(most)s images go with one reply; you chose %(count)s.")
            % {"most": MAX_IMAGES, "count": len(files)},
            code="too_many_images",
        )
    prepared = [_prepare(upload) for upload in files]
    folder = Path(settings.MEDIA_ROOT) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stored = []
    for data, info in prepared:
        relative = f"{FOLDER}/{uuid.uuid4().hex}.{info.pop('extension')}"
        (Path(settings.MEDIA_ROOT) / relative).write_bytes(data)
        stored.append({"path": relative, **info, "bytes": len(data)})
    return stored


def discard_images(attachments: Sequence[dict[str, Any]]) -> None:
    """Remove kept images no reply carries (the send was refused, or was a double click)."""
    for path in media_paths(attachments):
        Path(path).unlink(missing_ok=True)


def media_paths(attachments: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    """The absolute paths of a reply's images, for the adapter that uploads them."""
    root = Path(settings.MEDIA_ROOT).resolve()
    paths = []
    for attachment in attachments:
        path = (root / str(attachment["path"])).resolve()
        if path.parent != root / FOLDER:
            raise ValueError(f"not a reply image: {attachment['path']!r}")
        paths.append(str(path))
    return tuple(paths)


def check_image_count(
    *, platform: str, delivery: str, attachments: Sequence[dict[str, Any]]
) -> None:
    """CareError if the route this reply takes cannot carry its images."""
    count = len(attachments)
    if not count:
        return
    most = IMAGE_LIMITS.get((platform, delivery), 0)
    if most == 0:
        raise CareError(
            _(
                "A private reply to a comment carries text only: send the image once the "
                "customer answers in Messenger."
            ),
            code="too_many_images",
        )
    if count > most:
        messages: dict[tuple[str, str], str] = {
            (Platform.X, Delivery.PUBLIC_REPLY): _(
                "A post on X takes at most 4 images; this reply has %(count)s."
            ),
            (Platform.X, Delivery.DIRECT_MESSAGE): _(
                "A direct message on X takes one image; this reply has %(count)s."
            ),
            (Platform.FACEBOOK, Delivery.PUBLIC_REPLY): _(
                "A Facebook comment takes one image; this reply has %(count)s."
            ),
            (Platform.FACEBOOK, Delivery.MESSENGER): _(
                "A Messenger message takes one image; this reply has %(count)s."
            ),
        }
        raise CareError(messages[(platform, delivery)] % {"count": count}, code="too_many_images")
    if count > 1 and any(a.get("content_type") == "image/gif" for a in attachments):
        # X: "up to 4 photos, 1 animated GIF or 1 video in a Post".
        raise CareError(
            _("An animated GIF goes alone: remove the other images, or the GIF."),
            code="gif_alone",
        )


# --- one file ---------------------------------------------------------------------------------
def _prepare(upload: UploadedFile) -> tuple[bytes, dict[str, Any]]:
    """The bytes to keep and what to know of them: name, content_type, width, height,
    extension."""
    name = PurePath(upload.name or "image").name[:100] or "image"
    limit = settings.CARE_ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size is not None and upload.size > limit:
        raise CareError(
            _("“%(name)s” is %(size)s; an image can be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="image_too_big",
        )
    upload.seek(0)
    raw = upload.read()
    try:
        with warnings.catch_warnings():
            # Between Pillow's limit and twice it, Pillow only warns: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                kind = probe.format
                probe.verify()  # the whole file, before anything is decoded for real
            image = Image.open(io.BytesIO(raw))
            animated = bool(getattr(image, "is_animated", False))
            if not animated:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise CareError(
            _("“%(name)s” has too many pixels to be sent; use a smaller image.") % {"name": name},
            code="image_too_many_pixels",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _not_an_image(name) from exc
    if kind not in FORMATS:
        raise _not_an_image(name)
    if animated:
        if kind != "GIF":
            raise CareError(
                _("“%(name)s” is animated; only animated GIFs can be sent.") % {"name": name},
                code="not_an_image",
            )
        if len(raw) > SENDABLE_BYTES:
            raise CareError(
                _("“%(name)s” is an animated GIF of %(size)s; at most %(limit)s can be sent.")
                % {
                    "name": name,
                    "size": filesizeformat(len(raw)),
                    "limit": filesizeformat(SENDABLE_BYTES),
                },
                code="image_too_big",
            )
        info = {"name": name, "content_type": "image/gif", "width": image.width}
        return raw, {**info, "height": image.height, "extension": "gif"}
    return _clean_still(image, name=name, kind=kind)


def _clean_still(image: Image.Image, *, name: str, kind: str) -> tuple[bytes, dict[str, Any]]:
    """A new file from the pixels alone: upright, at most LONGEST_SIDE, no metadata."""
    # Colours, not private: kept, unless the pixels change space (CMYK to RGB).
    icc_profile = image.info.get("icc_profile") if image.mode != "CMYK" else None
    image = ImageOps.exif_transpose(image)  # the EXIF orientation, before EXIF goes
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)
    if kind != "JPEG":
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        png = image.convert("RGBA" if has_alpha else "RGB")
        data = _encode(png, "PNG", icc_profile=icc_profile, optimize=True)
        if len(data) <= SENDABLE_BYTES:
            return data, _info(name, "image/png", png, "png")
        if has_alpha:  # a photo saved as PNG: as a JPEG, on white
            flat = Image.new("RGB", png.size, "white")
            flat.paste(png, mask=png.getchannel("A"))
            png = flat
        image = png
    image = image.convert("L" if image.mode in ("L", "LA", "1") else "RGB")
    for quality in (90, 80, 70):
        data = _encode(image, "JPEG", icc_profile=icc_profile, quality=quality, optimize=True)
        if len(data) <= SENDABLE_BYTES:
            return data, _info(name, "image/jpeg", image, "jpg")
    raise CareError(
        _("“%(name)s” is too large to be sent even at 2048 pixels; use a smaller image.")
        % {"name": name},
        code="image_too_big",
    )


def _encode(image: Image.Image, kind: str, *, icc_profile: Any, **options: Any) -> bytes:
    buffer = io.BytesIO()
    if icc_profile:
        options["icc_profile"] = icc_profile
    # No `exif=`: Pillow writes none unless asked. It would carry over a JPEG comment
    # (free text, sometimes a place or a name) from `info`: emptied first.
    image.info = {}
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()


def _info(name: str, content_type: str, image: Image.Image, extension: str) -> dict[str, Any]:
    return {
        "name": name,
        "content_type": content_type,
        "width": image.width,
        "height": image.height,
        "extension": extension,
    }


def _not_an_image(name: str) -> CareError:
    return CareError(
        _("“%(name)s” is not an image we can send (JPEG, PNG, GIF or WebP).") % {"name": name},
        code="not_an_image",
    )
