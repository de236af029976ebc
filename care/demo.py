"""The demo team, departments and channel accounts, loaded by `make demo`.

Idempotent: running it again changes nothing that is already there.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
from dataclasses import dataclass

import holidays as public_holidays
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from care import services
from care.models import Agent
from inbox.models import (
    BusinessCalendar,
    ChannelAccount,
    Department,
    Holiday,
    Platform,
    RoutingRule,
    SlaPolicy,
    Topic,
)
from inbox.services.channels import connect_channel

DEMO_PASSWORD = "care-demo-2026"  # noqa: S105 -- printed by `make demo` on purpose

DEPARTMENTS = [
    ("Customer Care", ["care@nusantara-tech.example"]),
    ("Technical Support", ["support@nusantara-tech.example"]),
    ("Billing", ["billing@nusantara-tech.example"]),
    ("Marketing", ["marketing@nusantara-tech.example"]),
    ("Product Development", ["product@nusantara-tech.example"]),
]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    name: str
    initials: str
    role: str
    languages: tuple[str, ...]
    departments: tuple[str, ...]


TEAM = [
    DemoPerson("admin", "Nadia Rahman", "NR", Agent.Role.ADMIN, ("en", "id"), ("Customer Care",)),
    DemoPerson(
        "sari", "Sari Wulandari", "SW", Agent.Role.SUPERVISOR, ("en", "id"), ("Customer Care",)
    ),
    DemoPerson("budi", "Budi Santoso", "BS", Agent.Role.AGENT, ("id", "en"), ("Customer Care",)),
    DemoPerson(
        "dewi", "Dewi Lestari", "DL", Agent.Role.AGENT, ("id",), ("Customer Care", "Billing")
    ),
    DemoPerson(
        "alex", "Alex Tan", "AT", Agent.Role.AGENT, ("en",), ("Customer Care", "Technical Support")
    ),
    DemoPerson("maya", "Maya Putri", "MP", Agent.Role.AGENT, ("en", "id"), ("Customer Care",)),
    DemoPerson("rina", "Rina Hartono", "RH", Agent.Role.TRAINEE, ("id", "en"), ("Customer Care",)),
]

# The simulator's tokens (simulator/core.py SimConfig): the demo accounts talk to the
# platform simulator, never to X or Meta.
CHANNELS = [
    (
        Platform.X,
        "1600000000000000001",
        "NusantaraCares",
        {
            "bearer_token": "sim-x-bearer-token",
            "consumer_key": "sim-x-consumer-key",
            "consumer_secret": "sim-x-consumer-secret",
            "access_token": "sim-x-access-token",
            "access_token_secret": "sim-x-access-token-secret",
        },
    ),
    (
        Platform.FACEBOOK,
        "104000000000001",
        "Nusantara Tech Indonesia",
        {"page_access_token": "sim-fb-page-token"},
    ),
]
# Topic rules the simulator's customers keep running into (Settings → Topics).
TOPICS = [
    ("laptop battery", ["battery", "baterai", "batre", "charging", "ngecas"]),
    ("late delivery", ["paket", "parcel", "delivery", "kurir", "courier", "pengiriman", "lacak"]),
    ("refund", ["refund", "pengembalian dana", "money back"]),
    ("billing", ["tagihan", "invoice", "billing", "cicilan", "charged twice", "dobel"]),
    ("app bug", ["aplikasi error", "app crash", "crashes", "bug", "error"]),
    ("broken device", ["rusak", "restart sendiri", "mati total", "broken", "won't turn on"]),
]
# A billing clerk who is not an agent: escalations reach her by e-mail and the
# Escalations page, and she answers the care team there.
DEPARTMENT_CLERK = ("fajar", "Fajar Nugroho", "Billing")
# Routing rules: money questions to Billing, app bugs to Technical Support (their agents
# take them), everything else stays with the central team.
ROUTING = [
    ("Billing and refunds to Billing", ["billing", "refund"], "Billing", 30),
    ("App bugs to Technical Support", ["app bug"], "Technical Support", None),
]
# The care team works Monday to Saturday, 08:00-20:00 Jakarta time; targets by priority
# (minutes of business time): first answer, next answers, resolution.
DEMO_HOURS = {str(day): "08:00-20:00" for day in range(1, 7)}
SLA_POLICIES = [
    ("Urgent", 40, 15, 30, 4 * 60),
    ("High", 30, 30, 60, 8 * 60),
    ("Normal", 20, 60, 120, 24 * 60),
    ("Low", 10, 240, 480, 72 * 60),
]
# X bills per post read: the demo's X account has a monthly budget to watch.
DEMO_X_READ_BUDGET = 15000


def draw_avatar(initials: str, size: int = 256) -> bytes:
    """A round, coloured avatar with the initials: the demo's stand-in for a photo."""
    hue = int(hashlib.sha256(initials.encode()).hexdigest()[:4], 16) / 0xFFFF
    red, green, blue = (int(c * 255) for c in colorsys.hls_to_rgb(hue, 0.42, 0.55))
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, size - 1, size - 1), fill=(red, green, blue, 255))
    font = ImageFont.load_default(size=size * 0.4)
    draw.text((size / 2, size / 2), initials, fill="white", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@transaction.atomic
def load_demo_data() -> list[str]:
    """Create what is missing; return one line per thing created."""
    created: list[str] = []
    departments = {}
    for name, emails in DEPARTMENTS:
        department, new = Department.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "contact_emails": emails}
        )
        departments[name] = department
        if new:
            created.append(f"department {name}")
    User = get_user_model()
    for person in TEAM:
        if User.objects.filter(username=person.username).exists():
            continue
        agent = services.create_agent(
            username=person.username,
            email=f"{person.username}@nusantara-tech.example",
            password=DEMO_PASSWORD,
            display_name=person.name,
            initials=person.initials,
            role=person.role,
            languages=list(person.languages),
            departments=[departments[d] for d in person.departments],
            photo=ContentFile(draw_avatar(person.initials), name=f"{person.initials.lower()}.png"),
        )
        created.append(f"{agent.get_role_display().lower()} {person.username}")
    # Department members: the agents who belong to it, and the clerk.
    for agent in Agent.objects.prefetch_related("departments").select_related("user"):
        for department in agent.departments.all():
            department.members.add(agent.user)
    username, full_name, department_name = DEPARTMENT_CLERK
    if not User.objects.filter(username=username).exists():
        given, family = full_name.split(" ", 1)
        clerk = User.objects.create_user(
            username, f"{username}@nusantara-tech.example", DEMO_PASSWORD,
            first_name=given, last_name=family,
        )  # fmt: skip
        departments[department_name].members.add(clerk)
        departments[department_name].lead = departments[department_name].lead or clerk
        departments[department_name].save()
        created.append(f"department member {username} ({department_name}, not an agent)")
    for platform, external_id, name, credentials in CHANNELS:
        if ChannelAccount.objects.filter(platform=platform, external_id=external_id).exists():
            continue
        account = connect_channel(
            platform=platform,
            external_id=external_id,
            name=name,
            credentials=credentials,
            by=None,
            monthly_read_budget=DEMO_X_READ_BUDGET if platform == Platform.X else None,
        )
        created.append(f"channel {account}")
    for position, (name, phrases) in enumerate(TOPICS, start=1):
        _topic, new = Topic.objects.get_or_create(
            name=name, defaults={"phrases": phrases, "position": position}
        )
        if new:
            created.append(f"topic {name}")
    for position, (name, topic_names, department_name, priority) in enumerate(ROUTING, 1):
        if RoutingRule.objects.filter(name=name).exists():
            continue
        rule = RoutingRule.objects.create(
            name=name,
            position=position,
            department=departments[department_name],
            set_priority=priority,
        )
        rule.topics.set(Topic.objects.filter(name__in=topic_names))
        created.append(f"routing rule {name}")
    if not BusinessCalendar.objects.exists():
        calendar = BusinessCalendar.objects.create(
            name="Jakarta care team", time_zone="Asia/Jakarta", hours=DEMO_HOURS, is_default=True
        )
        year = timezone.localdate().year
        days = public_holidays.country_holidays("ID", years=[year, year + 1], language="id")
        Holiday.objects.bulk_create(
            [Holiday(calendar=calendar, date=day, name=name) for day, name in days.items()]
        )
        created.append(f"calendar {calendar.name}")
    for name, priority, first, following, resolution in SLA_POLICIES:
        _policy, new = SlaPolicy.objects.get_or_create(
            priority=priority,
            channel=None,
            defaults={
                "name": name,
                "first_response_minutes": first,
                "next_response_minutes": following,
                "resolution_minutes": resolution,
            },
        )
        if new:
            created.append(f"SLA policy {name}")
    return created
