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
from responses.models import CannedResponse, CouponPool
from responses.services.canned import create_canned
from responses.services.goodwill import add_codes, create_pool

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
# Saved replies (Settings → Saved replies): (language, title, search words, wordings).
# Written for the demo brand; several wordings so public answers do not all read the same.
SAVED_REPLIES = [
    ("en", "Acknowledgement", "ack hello thanks", [
        "Hi {customer_name}, thanks for reaching out. I'm {agent_first_name} and I'm looking "
        "into this for you now.",
        "Hello {customer_name}, I've got your message and I'm on it. I'll get back to you here "
        "shortly.",
        "Thanks for letting us know, {customer_name}. {agent_first_name} here: I'm checking "
        "this for you right away.",
    ]),
    ("en", "Ask for a DM with the order number", "dm order private", [
        "Hi {customer_name}, we'd like to take a closer look. Please send us a DM with your "
        "order number and the e-mail on the order, and we'll pick it up there.",
        "{customer_name}, could you DM us your order number? We'll check the details privately "
        "and keep you posted. Case #{case_number}.",
        "Happy to help, {customer_name}. Please DM us your order number so we can look at your "
        "account without sharing details here.",
    ]),
    ("en", "Shipping delay update", "ship delivery late courier parcel", [
        "Hi {customer_name}, sorry your parcel is taking longer than expected. The courier has "
        "a backlog in your area; we're tracking it and will update you here. Case "
        "#{case_number}.",
        "Thanks for your patience, {customer_name}. Your delivery is held at the courier's hub; "
        "I've asked them to prioritise it and will follow up by tomorrow.",
        "{customer_name}, I've checked your shipment: it's on its way but running late. I'll "
        "keep an eye on it and message you when it moves. Case #{case_number}.",
    ]),
    ("en", "Refund in progress", "refund money back", [
        "Hi {customer_name}, your refund has been approved and is on its way. Depending on your "
        "bank it can take 5 to 10 working days to show. Case #{case_number}.",
        "Good news, {customer_name}: the refund is being processed. You'll see it on your "
        "statement within 5 to 10 working days.",
    ]),
    ("en", "Thanks for the praise", "praise kudos thanks", [
        "Thank you, {customer_name}! That made our day; I'll share it with the team.",
        "We love hearing this, {customer_name}. Thanks for taking the time to tell us!",
        "That's great to hear, {customer_name}! Enjoy, and we're here if you ever need us.",
    ]),
    ("en", "Follow-up check", "follow up check solved", [
        "Hi {customer_name}, just checking in on case #{case_number}: is everything working as "
        "it should now?",
        "Hello again, {customer_name}. Did our last suggestion sort it out? Let us know and "
        "we'll close case #{case_number}, or keep going if not.",
    ]),
    ("id", "Tanda terima", "ack halo terima", [
        "Halo {customer_name}, terima kasih sudah menghubungi kami. Saya {agent_first_name}, "
        "saya bantu cek sekarang ya.",
        "Hai {customer_name}, pesannya sudah kami terima. Mohon ditunggu sebentar, kami sedang "
        "memeriksanya.",
        "Terima kasih infonya, {customer_name}. Saya {agent_first_name} dan akan segera "
        "menindaklanjuti.",
    ]),
    ("id", "Minta DM dengan nomor pesanan", "dm pesanan order", [
        "Halo {customer_name}, boleh kirim DM berisi nomor pesanan dan e-mail yang dipakai saat "
        "belanja? Kami cek lebih lanjut lewat DM ya.",
        "{customer_name}, mohon kirimkan nomor pesanannya lewat DM agar data pribadi tetap "
        "aman. Nomor kasus: #{case_number}.",
        "Siap dibantu, {customer_name}. Silakan DM nomor pesanannya ya, supaya detailnya bisa "
        "kami cek.",
    ]),
    ("id", "Info keterlambatan pengiriman", "ship kirim paket kurir terlambat", [
        "Halo {customer_name}, mohon maaf paketnya terlambat. Kurir sedang mengalami antrean di "
        "wilayah Kakak; kami pantau terus dan kabari di sini. Kasus #{case_number}.",
        "Terima kasih sudah menunggu, {customer_name}. Paketnya tertahan di gudang kurir; kami "
        "sudah minta diprioritaskan dan akan kabari paling lambat besok.",
        "{customer_name}, pengirimannya sudah kami cek: paket dalam perjalanan tapi sedikit "
        "terlambat. Kami kabari lagi begitu ada perkembangan. Kasus #{case_number}.",
    ]),
    ("id", "Refund sedang diproses", "refund dana kembali", [
        "Halo {customer_name}, pengembalian dana sudah disetujui dan sedang diproses. "
        "Tergantung bank, dana masuk dalam 5 sampai 10 hari kerja. Kasus #{case_number}.",
        "Kabar baik, {customer_name}: refund-nya sedang diproses dan akan masuk ke rekening "
        "dalam 5 sampai 10 hari kerja.",
    ]),
    ("id", "Terima kasih atas pujiannya", "puji makasih thanks", [
        "Terima kasih banyak, {customer_name}! Senang sekali mendengarnya, akan kami sampaikan "
        "ke tim.",
        "Wah, makasih {customer_name}! Masukan seperti ini bikin tim kami makin semangat.",
        "Senang bisa membantu, {customer_name}. Kalau butuh apa-apa lagi, kami siap di sini.",
    ]),
    ("id", "Cek tindak lanjut", "follow up cek selesai", [
        "Halo {customer_name}, kami mau cek kasus #{case_number}: apakah semuanya sudah normal "
        "sekarang?",
        "Hai lagi, {customer_name}. Apakah saran kami kemarin sudah menyelesaikan masalahnya? "
        "Kabari ya, supaya kasus #{case_number} bisa kami tutup atau kami lanjutkan.",
    ]),
]  # fmt: skip
# A goodwill offer (Settings → Goodwill offers): its name, what the customer gets, codes.
GOODWILL_POOL = ("Maaf voucher 10%", "Diskon 10% untuk pesanan berikutnya", 20)


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
    for language, title, shortcut, wordings in SAVED_REPLIES:
        if CannedResponse.objects.filter(language=language, title=title).exists():
            continue
        create_canned(title=title, language=language, shortcut=shortcut, wordings=wordings, by=None)
        created.append(f"saved reply {title} ({language})")
    name, offer, count = GOODWILL_POOL
    if not CouponPool.objects.filter(name=name).exists():
        pool = create_pool(name=name, offer=offer, by=None)
        codes = [
            "MAAF10-" + hashlib.sha256(f"{name}:{n}".encode()).hexdigest()[:6].upper()
            for n in range(count)
        ]
        add_codes(pool=pool, text="\n".join(codes), by=None)
        created.append(f"goodwill offer {name} ({count} codes)")
    from care.demo_history import load_demo_history

    past = load_demo_history()
    if past:
        created.append(f"{past} solved cases of the last two weeks (the dashboard's history)")
    return created
