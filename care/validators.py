"""Validators shared by forms, services and the admin."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

PHOTO_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
# A photo is shown at most 512 px wide; 40 megapixels is a generous camera original.
MAX_PHOTO_PIXELS = 40_000_000


def validate_photo(photo: FieldFile | UploadedFile) -> None:
    """Refuse a photo that is too big or is not a JPEG, PNG, GIF or WebP image."""
    limit = settings.CARE_MAX_PHOTO_BYTES
    if photo.size is not None and photo.size > limit:
        raise ValidationError(
            _("The photo is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(photo.size), "limit": filesizeformat(limit)},
            code="photo_too_big",
        )
    try:
        photo.seek(0)
        with Image.open(photo) as image:
            kind = image.format
            pixels = image.width * image.height
            image.verify()
    except Image.DecompressionBombError:
        pixels = MAX_PHOTO_PIXELS + 1
        kind = None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("This file is not an image we can read. Upload a JPEG, PNG, GIF or WebP photo."),
            code="not_an_image",
        ) from exc
    finally:
        photo.seek(0)
    if pixels > MAX_PHOTO_PIXELS:
        raise ValidationError(
            _("This image has too many pixels; upload a photo of at most 40 megapixels."),
            code="photo_too_many_pixels",
        )
    if kind not in PHOTO_FORMATS:
        raise ValidationError(
            _("Photos must be JPEG, PNG, GIF or WebP; this one is %(kind)s.") % {"kind": kind},
            code="photo_format",
        )
