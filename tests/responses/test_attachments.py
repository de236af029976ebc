"""Images on replies: checked by their bytes, cleaned (no EXIF, at most 2048 px), counted
per route, and posted through the platforms' media endpoints (simulator, real clients)."""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from care.errors import CareError
from inbox.models import Message
from responses.models import Reply
from responses.services.attachments import store_images
from responses.services.outbox import deliver_reply
from tests.responses.test_outbox import fb_comment_case, messenger_case, send, x_case

pytestmark = pytest.mark.django_db


# --- files made here -------------------------------------------------------------------------
def png(width: int = 3000, height: int = 1500, name: str = "screen.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def jpeg_with_gps(
    width: int = 2560, height: int = 1920, *, orientation: int = 1, name: str = "photo.jpg"
) -> SimpleUploadedFile:
    """A phone photo: camera make, orientation and the GPS position of where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "NusaPhone"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 12.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 49.0, 10.0)
    buffer = io.BytesIO()
    photo = Image.new("RGB", (width, height), (200, 80, 40))
    photo.save(buffer, format="JPEG", exif=exif, comment="Jl. Sudirman 5, Jakarta")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def animated_gif(name: str = "thanks.gif") -> SimpleUploadedFile:
    frames = [Image.new("RGB", (120, 80), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=200)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/gif")


def stored_file(attachment: dict, settings) -> Path:
    return Path(settings.MEDIA_ROOT) / attachment["path"]


def refused(files: list[SimpleUploadedFile]) -> CareError:
    with pytest.raises(CareError) as raised:
        store_images(files)
    return raised.value


# --- checking and cleaning -------------------------------------------------------------------
def test_a_png_is_stored_resized_to_2048_on_its_longest_side(settings):
    [stored] = store_images([png(3000, 1500)])

    path = stored_file(stored, settings)
    assert path.parent == Path(settings.MEDIA_ROOT) / "replies"
    assert path.suffix == ".png"
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (2048, 1024)
    assert stored["name"] == "screen.png"
    assert stored["content_type"] == "image/png"
    assert (stored["width"], stored["height"]) == (2048, 1024)
    assert stored["bytes"] == path.stat().st_size


def test_a_phone_photo_loses_its_exif_and_gps_and_is_resized(settings):
    upload = jpeg_with_gps()
    with Image.open(io.BytesIO(upload.read())) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # there to begin with
        assert original.info["comment"] == b"Jl. Sudirman 5, Jakarta"
    upload.seek(0)

    [stored] = store_images([upload])

    with Image.open(stored_file(stored, settings)) as image:
        assert image.format == "JPEG"
        assert image.size == (2048, 1536)
        assert "exif" not in image.info
        assert len(image.getexif()) == 0
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    kept = stored_file(stored, settings).read_bytes()
    assert b"NusaPhone" not in kept
    assert b"Sudirman" not in kept  # nor the JPEG comment


def test_a_sideways_phone_photo_is_turned_upright_before_its_exif_goes(settings):
    # Orientation 6: the camera held upright, the pixels stored lying on their side.
    [stored] = store_images([jpeg_with_gps(orientation=6)])

    assert (stored["width"], stored["height"]) == (1536, 2048)


def test_a_small_image_keeps_its_size(settings):
    [stored] = store_images([png(640, 480)])

    assert (stored["width"], stored["height"]) == (640, 480)


def test_an_animated_gif_is_kept_as_it_is(settings):
    upload = animated_gif()
    original = upload.read()
    upload.seek(0)

    [stored] = store_images([upload])

    assert stored["content_type"] == "image/gif"
    assert stored_file(stored, settings).read_bytes() == original


def test_a_text_file_named_jpg_is_refused_with_its_name(settings):
    notes = SimpleUploadedFile("photo.jpg", b"order 1234: refund please\n", "image/jpeg")

    error = refused([notes])

    assert error.code == "not_an_image"
    assert error.message == ("“photo.jpg” is not an image we can send (JPEG, PNG, GIF or WebP).")
    assert not (Path(settings.MEDIA_ROOT) / "replies").exists()


def test_an_image_in_a_format_we_do_not_send_is_refused(settings):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="BMP")

    error = refused([SimpleUploadedFile("scan.bmp", buffer.getvalue(), "image/bmp")])

    assert error.code == "not_an_image"
    assert "“scan.bmp”" in error.message


def test_an_image_over_the_size_limit_is_refused(settings):
    settings.CARE_ATTACHMENT_MAX_MB = 1
    noise = Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 1024 * 1024

    error = refused([SimpleUploadedFile("big.png", buffer.getvalue(), "image/png")])

    assert error.code == "image_too_big"
    assert error.message.startswith("“big.png” is 1.")
    assert error.message.endswith("an image can be at most 1.0\xa0MB.")  # filesizeformat's nbsp


def test_a_decompression_bomb_is_refused(settings, monkeypatch):
    # A real bomb is a few KB of PNG for gigapixels; the limit is lowered to make one cheaply.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)

    error = refused([png(100, 100, name="bomb.png")])

    assert error.code == "image_too_many_pixels"
    assert error.message == "“bomb.png” has too many pixels to be sent; use a smaller image."


def test_a_refusal_keeps_none_of_the_files(settings):
    notes = SimpleUploadedFile("notes.png", b"not a picture", "image/png")

    refused([png(), notes])

    assert not (Path(settings.MEDIA_ROOT) / "replies").exists()


def test_more_than_four_images_are_refused(settings):
    error = refused([png(40, 40, name=f"{n}.png") for n in range(5)])

    assert error.code == "too_many_images"
    assert error.message == "At most 4 images go with one reply; you chose 5."


# --- how many each route takes ---------------------------------------------------------------
def fake_images(count: int, content_type: str = "image/png") -> list[dict]:
    return [
        {
            "path": f"replies/{uuid.uuid4().hex}.png",
            "name": f"{n}.png",
            "content_type": content_type,
        }
        for n in range(count)
    ]


def test_five_images_on_an_x_post_are_refused(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)

    with pytest.raises(CareError) as raised:
        send(conversation, agent, attachments=fake_images(5))

    assert raised.value.code == "too_many_images"
    assert raised.value.message == "A post on X takes at most 4 images; this reply has 5."
    assert not Reply.objects.exists()


def test_two_images_on_a_facebook_comment_are_refused(simulator, fb_account, agent):
    conversation, _ = fb_comment_case(simulator, fb_account)

    with pytest.raises(CareError) as raised:
        send(conversation, agent, attachments=fake_images(2))

    assert raised.value.message == "A Facebook comment takes one image; this reply has 2."
    assert not Reply.objects.exists()


def test_an_x_direct_message_takes_one_image(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)

    with pytest.raises(CareError) as raised:
        send(conversation, agent, private=True, attachments=fake_images(2))

    assert raised.value.message == "A direct message on X takes one image; this reply has 2."


def test_an_animated_gif_goes_alone_on_x(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)
    images = fake_images(1, "image/gif") + fake_images(1)

    with pytest.raises(CareError) as raised:
        send(conversation, agent, attachments=images)

    assert raised.value.code == "gif_alone"


def test_a_private_reply_to_a_comment_takes_no_image(simulator, fb_account, agent):
    conversation, _ = fb_comment_case(simulator, fb_account)

    with pytest.raises(CareError) as raised:
        send(conversation, agent, private=True, attachments=fake_images(1))

    assert raised.value.code == "too_many_images"
    assert "carries text only" in raised.value.message


# --- posted through the platforms ------------------------------------------------------------
def test_an_x_reply_carries_the_uploaded_images(simulator, x_account, agent, settings):
    conversation = x_case(simulator, x_account)
    images = store_images([png(), jpeg_with_gps()])

    reply = send(conversation, agent, text="Ini panduan langkahnya", attachments=images)
    assert reply.attachments == images
    assert deliver_reply(reply.pk) == "sent"

    tweet = simulator.x.tweets[Reply.objects.get(pk=reply.pk).platform_id]
    assert len(tweet["media_ids"]) == 2
    for media_id in tweet["media_ids"]:
        media = simulator.x.media[media_id]
        assert media["state"] == "succeeded"
        assert media["media_category"] == "tweet_image"
    sizes = {
        (simulator.x.media[m]["width"], simulator.x.media[m]["height"]) for m in tweet["media_ids"]
    }
    assert sizes == {(2048, 1024), (2048, 1536)}


def test_an_animated_gif_goes_to_x_in_chunks(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)
    images = store_images([animated_gif()])

    reply = send(conversation, agent, text="Terima kasih!", attachments=images)
    assert deliver_reply(reply.pk) == "sent"

    [media_id] = simulator.x.tweets[Reply.objects.get(pk=reply.pk).platform_id]["media_ids"]
    assert simulator.x.media[media_id]["type"] == "animated_gif"
    assert simulator.x.media[media_id]["media_category"] == "tweet_gif"


def test_an_x_direct_message_carries_its_image(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)
    images = store_images([png(800, 600)])

    reply = send(conversation, agent, text="Ini fotonya", private=True, attachments=images)
    assert deliver_reply(reply.pk) == "sent"

    [dm] = [e for e in simulator.x.published() if e["kind"] == "dm"]
    assert dm["id"] == Reply.objects.get(pk=reply.pk).platform_id
    [media_id] = dm["media_ids"]
    assert simulator.x.media[media_id]["media_category"] == "dm_image"


def test_a_facebook_comment_reply_carries_its_photo(simulator, fb_account, agent):
    conversation, _ = fb_comment_case(simulator, fb_account)
    images = store_images([jpeg_with_gps()])

    reply = send(conversation, agent, text="Contohnya seperti ini kak", attachments=images)
    assert deliver_reply(reply.pk) == "sent"

    [posted] = simulator.facebook.latest_page_replies(1)
    assert posted["message"].startswith("Contohnya seperti ini kak")
    assert posted["attachment"]["mime"] == "image/jpeg"
    assert (posted["attachment"]["width"], posted["attachment"]["height"]) == (2048, 1536)


def test_a_messenger_reply_sends_the_image_then_the_text(simulator, fb_account, agent):
    conversation = messenger_case(simulator, fb_account)
    images = store_images([png(800, 600)])

    reply = send(conversation, agent, text="Ini resinya kak", private=True, attachments=images)
    assert deliver_reply(reply.pk) == "sent"

    sent = [p for p in simulator.facebook.published() if p["kind"] == "message"][-2:]
    image, text = sent
    assert image["attachment"]["type"] == "image"
    assert image["attachment"]["payload"]["url"].endswith(".png")
    assert text["text"].startswith("Ini resinya kak")
    assert Reply.objects.get(pk=reply.pk).platform_id == text["id"]


# --- the page --------------------------------------------------------------------------------
def reply_form(conversation, **extra):
    message = Message.objects.filter(conversation=conversation).order_by("-pk").first()
    assert message is not None
    return {
        "text": "Ini tangkapan layarnya",
        "seen_message_id": message.pk,
        "seen_reply_id": 0,
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


def test_the_reply_box_sends_an_image(simulator, x_account, agent, login, settings):
    conversation = x_case(simulator, x_account)
    client = login(agent)

    response = client.post(
        reverse("inbox:reply", args=[conversation.pk]),
        reply_form(conversation, images=[png(name="layar.png")]),
    )

    assert response.status_code == 302
    reply = Reply.objects.get()
    [image] = reply.attachments
    assert image["name"] == "layar.png"
    assert stored_file(image, settings).is_file()
    page = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    url = reverse("responses:reply-image", args=[reply.pk, 0])
    assert f'src="{url}"' in page
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == stored_file(image, settings).read_bytes()


def test_the_reply_box_shows_a_refused_file_next_to_the_input(
    simulator, x_account, agent, login, settings
):
    conversation = x_case(simulator, x_account)
    notes = SimpleUploadedFile("foto.heic", b"ftypheic not really", "image/heic")

    response = login(agent).post(
        reverse("inbox:reply", args=[conversation.pk]),
        reply_form(conversation, images=[png(), notes]),
    )

    assert response.status_code == 400
    assert "“foto.heic” is not an image we can send (JPEG, PNG, GIF or WebP)." in (
        response.content.decode()
    )
    assert not Reply.objects.exists()
    assert not list((Path(settings.MEDIA_ROOT) / "replies").glob("*"))


def test_images_refused_by_the_route_are_not_kept(simulator, fb_account, agent, login, settings):
    conversation, _ = fb_comment_case(simulator, fb_account)

    response = login(agent).post(
        reverse("inbox:reply", args=[conversation.pk]),
        reply_form(conversation, images=[png(name="a.png"), png(name="b.png")]),
    )

    assert response.status_code == 400
    assert "A Facebook comment takes one image; this reply has 2." in response.content.decode()
    assert not list((Path(settings.MEDIA_ROOT) / "replies").glob("*"))


def test_a_double_post_keeps_one_set_of_images(simulator, x_account, agent, login, settings):
    conversation = x_case(simulator, x_account)
    client = login(agent)
    form = reply_form(conversation)
    url = reverse("inbox:reply", args=[conversation.pk])

    assert client.post(url, {**form, "images": [png()]}).status_code == 302
    assert client.post(url, {**form, "images": [png()]}).status_code == 302

    assert Reply.objects.count() == 1
    assert len(list((Path(settings.MEDIA_ROOT) / "replies").glob("*"))) == 1


def test_reply_images_are_not_for_people_outside_the_team(
    simulator, x_account, agent, outsider, login
):
    conversation = x_case(simulator, x_account)
    reply = send(conversation, agent, attachments=store_images([png(40, 40)]))

    response = login(outsider).get(reverse("responses:reply-image", args=[reply.pk, 0]))

    assert response.status_code == 403
