"""Made-up customers: X users and Facebook people, and a pool so the same ones write again.

Names mix Indonesian and international ones; none is a real account.
"""

from __future__ import annotations

import math
import random
import string
import unicodedata
from typing import Any

ID_FIRST = (
    "Rizky",
    "Dewi",
    "Ayu",
    "Budi",
    "Putri",
    "Agus",
    "Siti",
    "Dimas",
    "Fajar",
    "Indah",
    "Nur",
    "Eko",
    "Rina",
    "Andi",
    "Yoga",
    "Wulan",
    "Bayu",
    "Citra",
    "Reza",
    "Nadia",
    "Hendra",
    "Intan",
    "Arif",
    "Maya",
    "Teguh",
    "Sari",
    "Galih",
    "Anisa",
    "Made",
    "Ketut",
    "Kadek",
    "Wayan",
    "Tigor",
    "Rahmat",
    "Fitri",
    "Ilham",
    "Dinda",
    "Yusuf",
    "Melati",
    "Joko",
)
ID_LAST = (
    "Pratama",
    "Saputra",
    "Wijaya",
    "Kusuma",
    "Lestari",
    "Hidayat",
    "Nugroho",
    "Setiawan",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Harahap",
    "Santoso",
    "Gunawan",
    "Rahayu",
    "Permana",
    "Halim",
    "Tanjung",
    "Sihombing",
    "Wibowo",
    "Susanto",
    "Utami",
    "Purnomo",
    "Ramadhan",
    "Maharani",
    "Firmansyah",
    "Hakim",
    "Hutapea",
    "Manurung",
    "Sembiring",
)
# Many Indonesians go by one name.
ID_SINGLE = ("Sutrisno", "Suharti", "Mulyadi", "Sumarni", "Wartini", "Slamet", "Paijo", "Tukiyem")
INTL_FIRST = (
    "Emily",
    "James",
    "Sofia",
    "Lucas",
    "Hannah",
    "Daniel",
    "Mei",
    "Kenji",
    "Priya",
    "Arjun",
    "Chloe",
    "Noah",
    "Aisha",
    "Omar",
    "Lena",
    "Mateo",
    "Grace",
    "Ethan",
    "Yuki",
    "Wei",
)
INTL_LAST = (
    "Carter",
    "Nguyen",
    "Tan",
    "Lim",
    "Sharma",
    "Tanaka",
    "Schmidt",
    "Garcia",
    "O'Neill",
    "Rossi",
    "Kim",
    "Wong",
    "Fernandes",
    "Novak",
    "Hughes",
    "Lee",
    "Ong",
    "Patel",
    "Müller",
    "Dubois",
)
NAME_FLOURISHES = ("🌸", "✨", "🇮🇩", "☕", "🎧", "⚽")
SLUG_CHARS = string.ascii_letters + string.digits + "_-"


def random_name(rng: random.Random, *, indonesian: bool = True) -> str:
    if not indonesian:
        return f"{rng.choice(INTL_FIRST)} {rng.choice(INTL_LAST)}"
    roll = rng.random()
    if roll < 0.15:
        return rng.choice(ID_SINGLE)
    if roll < 0.22:
        # Parents often go by their child's name.
        return f"{rng.choice(('Mama', 'Bunda', 'Papa', 'Ayah'))} {rng.choice(ID_FIRST)}"
    first, last = rng.choice(ID_FIRST), rng.choice(ID_LAST)
    if roll < 0.30:
        return f"{first} {last[0]}."
    return f"{first} {last}"


def username_for(rng: random.Random, name: str) -> str:
    """An X handle: letters, digits and underscores, at most 15 characters."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = ["".join(c for c in w if c.isalnum()).lower() for w in ascii_name.split()]
    words = [w for w in words if w] or ["user"]
    first, last = words[0], words[-1]
    style = rng.randrange(5)
    if style == 0:
        handle = first + last
    elif style == 1:
        handle = f"{first}_{last[:3]}"
    elif style == 2:
        handle = f"{first}{rng.randint(1, 99)}"
    elif style == 3:
        handle = f"{first[:1]}{last}{rng.randint(70, 2009)}"
    else:
        handle = f"{first}_{last}"
    return handle[:15]


def x_user_id(rng: random.Random) -> str:
    # Accounts since 2022 have 19-digit snowflake ids; older ones are shorter.
    if rng.random() < 0.65:
        return str(rng.randint(1_450_000_000_000_000_000, 1_990_000_000_000_000_000))
    return str(rng.randint(10_000_000, 4_500_000_000))


def followers(rng: random.Random) -> int:
    if rng.random() < 0.01:
        # A few loud accounts: 50k to 2M, evenly spread on a log scale.
        return round(math.exp(rng.uniform(math.log(50_000), math.log(2_000_000))))
    return round(rng.lognormvariate(math.log(300), 1.3))


def random_x_author(rng: random.Random, *, indonesian: bool | None = None) -> dict[str, Any]:
    if indonesian is None:
        indonesian = rng.random() < 0.75
    name = random_name(rng, indonesian=indonesian)
    if rng.random() < 0.08:
        name = f"{name} {rng.choice(NAME_FLOURISHES)}"
    count = followers(rng)
    verified = rng.random() < (0.4 if count >= 50_000 else 0.02)
    slug = "".join(rng.choice(SLUG_CHARS) for _ in range(8))
    image_id = rng.randint(1_400_000_000_000_000_000, 1_990_000_000_000_000_000)
    return {
        "id": x_user_id(rng),
        "username": username_for(rng, name),
        "name": name,
        "followers_count": count,
        "verified": verified,
        "profile_image_url": f"https://pbs.twimg.com/profile_images/{image_id}/{slug}_normal.jpg",
    }


def random_fb_author(rng: random.Random, *, indonesian: bool | None = None) -> dict[str, Any]:
    if indonesian is None:
        indonesian = rng.random() < 0.75
    # Page-scoped ids (PSIDs) are 16 or 17 digits.
    digits = rng.choice((16, 17))
    psid = rng.randint(10 ** (digits - 1), 10**digits - 1)
    return {"id": str(psid), "name": random_name(rng, indonesian=indonesian)}


class AuthorPool:
    """Customers who have written before, per platform and language, so threads recur.

    `returning_share` of the picks are someone already in the pool; the rest are new.
    """

    def __init__(
        self, rng: random.Random, *, returning_share: float = 0.4, max_size: int = 5000
    ) -> None:
        self.rng = rng
        self.returning_share = returning_share
        self.max_size = max_size
        self._pools: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._by_id: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        # platform -> author id -> their newest post id and its topic, for follow-ups
        self.last_post: dict[str, dict[str, tuple[str, str]]] = {"x": {}, "facebook": {}}

    def pick(
        self, platform: str, language: str, *, returning_share: float | None = None
    ) -> dict[str, Any]:
        pool = self._pools.setdefault((platform, language), [])
        share = self.returning_share if returning_share is None else returning_share
        if pool and self.rng.random() < share:
            return self.rng.choice(pool)
        # English writers are often Indonesians too; Indonesian writers nearly always are.
        indonesian = self.rng.random() < (0.95 if language == "id" else 0.5)
        make = random_x_author if platform == "x" else random_fb_author
        author = make(self.rng, indonesian=indonesian)
        pool.append(author)
        self._by_id[(platform, author["id"])] = (author, language)
        if len(pool) > self.max_size:
            dropped = pool.pop(0)
            self._by_id.pop((platform, dropped["id"]), None)
            self.last_post[platform].pop(dropped["id"], None)
        return author

    def known(self, platform: str, author_id: str) -> tuple[dict[str, Any], str] | None:
        """The author and the language they write in, if they came from this pool."""
        return self._by_id.get((platform, author_id))

    def remember_post(self, platform: str, author_id: str, post_id: str, topic: str) -> None:
        if (platform, author_id) in self._by_id:
            self.last_post[platform][author_id] = (post_id, topic)
