"""Handlers for media upload: one-shot, chunked (initialize/append/finalize) and status."""

from __future__ import annotations

import base64
import binascii
import struct
from typing import Any

from werkzeug.wrappers import Request, Response

from simulator.core import json_response, request_data
from simulator.x.errors import invalid
from simulator.x.state import DAY, XState

MEDIA_PREFIX = {"photo": "3", "animated_gif": "16", "video": "7"}


def image_info(data: bytes) -> tuple[str, int, int] | None:
    """(mime type, width, height) from a PNG, GIF or JPEG header."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:4] == b"GIF8" and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data[:2] == b"\xff\xd8":
        pos = 2
        while pos + 9 < len(data) and data[pos] == 0xFF:
            marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2 : pos + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
                return "image/jpeg", width, height
            pos += 2 + length
        return "image/jpeg", 0, 0
    return None


class XMedia(XState):
    """Uploaded media, and the check that posts and DMs attach only finished uploads."""

    def _check_media(self, parameter: str, media_ids: list[str], most: int) -> None:
        if len(media_ids) > most:
            raise invalid(
                parameter,
                ",".join(media_ids),
                f"The number of values in the "
                f"`{parameter}` list [{len(media_ids)}] is not between 1 and {most}",
            )
        for media_id in media_ids:
            media = self.media.get(media_id)
            if media is None or media["state"] != "succeeded":
                raise invalid(parameter, media_id, "Your media IDs are invalid.")

    # --- media --------------------------------------------------------------------------
    def media_upload(self, request: Request) -> Response:
        command = request.form.get("command") or request.args.get("command")
        if command:  # the older one-endpoint chunked flow: INIT / APPEND / FINALIZE
            media_id = request.form.get("media_id") or request.args.get("media_id") or ""
            if command == "INIT":
                return self.media_initialize(request)
            if command == "APPEND":
                return self.media_append(request, media_id)
            if command == "FINALIZE":
                return self.media_finalize(request, media_id)
            raise invalid(
                "command",
                command,
                f"The `command` value [{command}] is not one of [INIT,APPEND,FINALIZE]",
            )
        data = self._upload_bytes(request)
        category = request.form.get("media_category", "tweet_image")
        media = self._new_media(category, request.form.get("media_type"), len(data))
        self._describe(media, data)
        media["state"] = "succeeded"
        body = {
            "id": media["id"],
            "media_key": media["media_key"],
            "size": media["size"],
            "expires_after_secs": DAY,
        }
        if media["type"] == "photo":
            body["image"] = {"image_type": media["mime"], "w": media["width"], "h": media["height"]}
        else:
            body["processing_info"] = {"state": "succeeded"}
        return json_response({"data": body})

    def media_initialize(self, request: Request) -> Response:
        body = request_data(request)
        if not str(body.get("total_bytes", "")).isdigit():
            raise invalid(
                "total_bytes",
                str(body.get("total_bytes", "")),
                "The `total_bytes` value must be a number",
            )
        category = str(body.get("media_category") or "tweet_image")
        media = self._new_media(category, body.get("media_type"), 0)
        media["total_bytes"] = int(body["total_bytes"])
        data = {"id": media["id"], "expires_after_secs": DAY, "media_key": media["media_key"]}
        return json_response({"data": data})

    def media_append(self, request: Request, media_id: str) -> Response:
        media = self._uploading(media_id)
        data = self._upload_bytes(request)
        if not media["size"]:
            self._describe(media, data)
        media["size"] += len(data)
        expires_at = int(media["created_at"] + DAY)
        return json_response({"data": {"expires_at": expires_at}})

    def media_finalize(self, request: Request, media_id: str) -> Response:
        media = self._uploading(media_id)
        if media["size"] != media["total_bytes"]:
            raise invalid("id", media_id, "Segments do not add up to provided total file size.")
        media["state"] = "succeeded"
        return json_response({"data": self._media_status(media)})

    def media_status(self, request: Request) -> Response:
        media_id = request.args.get("media_id", "")
        media = self.media.get(media_id)
        if media is None:
            raise invalid(
                "media_id", media_id, f"The `media_id` value [{media_id}] is not a known media id"
            )
        return json_response({"data": self._media_status(media)})

    def _media_status(self, media: dict[str, Any]) -> dict[str, Any]:
        left = int(media["created_at"] + DAY - self.sim.clock.now())
        return {
            "id": media["id"],
            "media_key": media["media_key"],
            "size": media["size"],
            "expires_after_secs": max(0, left),
            "processing_info": {"state": media["state"], "progress_percent": 100},
        }

    def _uploading(self, media_id: str) -> dict[str, Any]:
        media = self.media.get(media_id)
        if media is None or media["state"] == "succeeded":
            raise invalid(
                "id", media_id, f"The `id` value [{media_id}] is not an upload in progress"
            )
        return media

    def _upload_bytes(self, request: Request) -> bytes:
        upload = request.files.get("media")
        if upload is not None:
            return upload.read()
        encoded = request.form.get("media_data")
        if encoded:
            try:
                return base64.b64decode(encoded)
            except binascii.Error:
                raise invalid("media_data", "", "The `media_data` value is not base64") from None
        raise invalid("media", "", "The `media` field is required")

    def _new_media(self, category: str, mime: Any, size: int) -> dict[str, Any]:
        media_id = self.sim.ids.x_id()
        kind = "photo"
        if "gif" in category or mime == "image/gif":
            kind = "animated_gif"
        elif "video" in category or str(mime or "").startswith("video/"):
            kind = "video"
        media = {
            "id": media_id,
            "media_key": f"{MEDIA_PREFIX[kind]}_{media_id}",
            "type": kind,
            "media_category": category,
            "mime": str(mime or "image/jpeg"),
            "size": size,
            "total_bytes": size,
            "width": 0,
            "height": 0,
            "state": "uploading",
            "created_at": self.sim.clock.now(),
        }
        self.media[media_id] = media
        return media

    def _describe(self, media: dict[str, Any], data: bytes) -> None:
        info = image_info(data)
        if info is not None:
            media["mime"], media["width"], media["height"] = info
