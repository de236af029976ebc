"""Agents: initials that sign replies, photos on the team page, roles as groups."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from care import services
from care.demo import draw_avatar
from care.models import Agent, AuditEvent
from tests.factories import make_agent

pytestmark = pytest.mark.django_db


def png(size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def test_initials_are_upper_cased_and_sign_replies():
    agent = make_agent(initials="ab")
    assert agent.initials == "AB"
    assert agent.signature == "^AB"


def test_clashing_initials_are_refused_with_a_clear_message():
    make_agent(initials="AB")
    with pytest.raises(ValidationError) as error:
        make_agent(initials="ab")
    assert error.value.message_dict["initials"] == [
        "Another agent already signs with these initials."
    ]


@pytest.mark.parametrize("initials", ["A", "ABCDE", "A1", "A-B", "É1"])
def test_initials_that_are_not_2_to_4_letters_are_refused(initials):
    with pytest.raises(ValidationError) as error:
        make_agent(initials=initials)
    assert "Initials are 2 to 4 letters A–Z" in " ".join(error.value.message_dict["initials"])


def test_a_file_that_is_not_an_image_is_refused():
    with pytest.raises(ValidationError) as error:
        make_agent(photo=SimpleUploadedFile("me.png", b"%PDF-1.4 not a picture"))
    assert "not an image we can read" in error.value.message_dict["photo"][0]


def test_a_photo_over_5_mb_is_refused(settings):
    big = png() + b"\0" * (5 * 1024 * 1024)
    with pytest.raises(ValidationError) as error:
        make_agent(photo=SimpleUploadedFile("big.png", big))
    message = error.value.message_dict["photo"][0]
    assert "the limit is 5.0" in message


def test_a_valid_photo_is_kept():
    agent = make_agent(photo=SimpleUploadedFile("me.png", png()))
    assert agent.photo.name.startswith("agents/")


def test_role_decides_group_and_admin_site_access():
    agent = make_agent(Agent.Role.AGENT)
    assert list(agent.user.groups.values_list("name", flat=True)) == ["agent"]
    assert not agent.user.is_staff
    assert agent.user.has_perm("care.post_replies")
    assert not agent.user.has_perm("care.view_dashboard")
    services.set_agent_role(agent=agent, role=Agent.Role.ADMIN, by=None)
    agent.user.refresh_from_db()
    assert agent.user.is_staff
    assert list(agent.user.groups.values_list("name", flat=True)) == ["admin"]


def test_a_trainee_cannot_post_replies_directly(trainee):
    assert trainee.user.has_perm("care.work_inbox")
    assert not trainee.user.has_perm("care.post_replies")


def test_creating_an_agent_is_audited(admin_agent):
    agent = make_agent(by=admin_agent.user)
    event = AuditEvent.objects.get(verb="agent_created", target_id=str(agent.pk))
    assert event.actor == admin_agent.user
    assert event.data == {"role": "agent"}


def test_admin_adds_an_agent_from_the_team_page(login, admin_agent):
    client = login(admin_agent)
    response = client.post(
        reverse("settings:agent-new"),
        {
            "username": "putri",
            "email": "putri@example.com",
            "password": "Kopi-susu-2026!",
            "display_name": "Putri Ayu",
            "initials": "pa",
            "role": "agent",
            "languages": ["id"],
            "capacity": 12,
            "photo": SimpleUploadedFile("putri.png", draw_avatar("PA")),
        },
    )
    assert response.status_code == 302
    agent = Agent.objects.get(initials="PA")
    assert agent.user.check_password("Kopi-susu-2026!")
    assert agent.photo


def test_team_page_form_shows_why_initials_are_refused(login, admin_agent):
    make_agent(initials="BS")
    client = login(admin_agent)
    response = client.post(
        reverse("settings:agent-new"),
        {
            "username": "budi2",
            "email": "budi2@example.com",
            "password": "Kopi-susu-2026!",
            "display_name": "Budi Dua",
            "initials": "bs",
            "role": "agent",
            "languages": ["id"],
            "capacity": 12,
        },
    )
    assert response.status_code == 200
    assert "Another agent already signs with these initials." in response.content.decode()
    assert not Agent.objects.filter(display_name="Budi Dua").exists()


def test_profile_refuses_a_photo_that_is_not_an_image(login, agent):
    response = login(agent).post(
        reverse("settings:profile"),
        {
            "display_name": agent.display_name,
            "languages": ["en"],
            "time_zone": "Asia/Jakarta",
            "photo": SimpleUploadedFile("cv.png", b"not an image at all"),
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Upload a valid image" in body or "not an image we can read" in body
    agent.refresh_from_db()
    assert not agent.photo


def test_an_admin_changes_a_role_and_the_group_follows(login, admin_agent, agent):
    client = login(admin_agent)
    response = client.post(
        reverse("settings:agent-edit", args=[agent.pk]),
        {
            "display_name": agent.display_name,
            "initials": agent.initials,
            "role": "supervisor",
            "languages": ["en"],
            "capacity": 10,
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.role == "supervisor"
    assert agent.user.has_perm("care.view_dashboard")
    event = AuditEvent.objects.get(verb="role_changed")
    assert event.data == {"previous": "agent", "role": "supervisor"}


def test_profile_time_zone_is_used_for_dates(login, agent):
    client = login(agent)
    client.post(
        reverse("settings:profile"),
        {"display_name": agent.display_name, "languages": ["en"], "time_zone": "Europe/London"},
    )
    agent.refresh_from_db()
    assert agent.time_zone == "Europe/London"
    response = client.get(reverse("settings:profile"))
    assert "Times are shown in Europe/London" in response.content.decode()


def test_photos_are_stored_small_and_without_camera_metadata():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (6.0, 10.0, 0.0)}  # GPSInfo: a latitude near Jakarta
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), "orange").save(buffer, format="JPEG", exif=exif)
    agent = make_agent(photo=SimpleUploadedFile("holiday.jpg", buffer.getvalue()))
    with Image.open(agent.photo.open("rb")) as stored:
        assert stored.format == "PNG"
        assert max(stored.size) == 512
        assert not stored.getexif()
        assert "exif" not in stored.info


def test_a_decompression_bomb_is_refused():
    buffer = io.BytesIO()
    Image.new("1", (20_000, 10_000)).save(buffer, format="PNG")  # 200 megapixels, tiny file
    with pytest.raises(ValidationError) as error:
        make_agent(photo=SimpleUploadedFile("bomb.png", buffer.getvalue()))
    assert "too many pixels" in error.value.message_dict["photo"][0]


def test_a_new_profile_photo_replaces_the_old_one_cleanly(login, agent):
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 1200), "purple").save(buffer, format="JPEG")
    response = login(agent).post(
        reverse("settings:profile"),
        {
            "display_name": agent.display_name,
            "languages": ["en", "id"],
            "time_zone": "Asia/Jakarta",
            "photo": SimpleUploadedFile("me.jpg", buffer.getvalue()),
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    with Image.open(agent.photo.open("rb")) as stored:
        assert stored.size == (512, 512)


def test_an_admin_narrows_the_channels_an_agent_works(login, admin_agent, agent):
    from tests.factories import ChannelAccountFactory, ConversationFactory

    x = ChannelAccountFactory.create(name="BrandCares")
    facebook = ChannelAccountFactory.create(platform="facebook", name="Brand Page")
    ConversationFactory.create(channel_account=x)
    hidden = ConversationFactory.create(channel_account=facebook)
    client = login(admin_agent)
    form = client.get(reverse("settings:agent-edit", args=[agent.pk])).content.decode()
    assert "Brand Page" in form
    client.post(
        reverse("settings:agent-edit", args=[agent.pk]),
        {
            "display_name": agent.display_name,
            "initials": agent.initials,
            "role": "agent",
            "languages": ["en", "id"],
            "capacity": 10,
            "channels": [x.pk],
        },
    )
    assert list(agent.channels.all()) == [x]
    listed = login(agent).get(reverse("inbox:list")).context["conversations"]
    assert hidden.pk not in [row["id"] for row in listed] and len(listed) == 1


def test_a_new_agent_works_every_connected_channel():
    from tests.factories import ChannelAccountFactory

    account = ChannelAccountFactory.create()
    newcomer = make_agent(initials="NW")
    assert list(newcomer.channels.all()) == [account]
