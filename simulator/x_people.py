"""Generated X customers and their complaint texts, for the X simulator.

Names mix Indonesian and English, as the demo brand's audience does. Follower counts are
log-normal (most accounts have tens to a few thousand followers, a few have 50k+), about 3%
of accounts are verified, and avatars use the pbs.twimg.com URL shape of real profiles.
"""

from __future__ import annotations

import base64
import random
import re
import time
from typing import Any


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ID_FIRST = names(
    "Adi Agus Ayu Bagus Bambang Budi Citra Dedi Dewi Dian Eka Endang Fajar Fitri Gilang "
    "Hendra Indah Intan Joko Kartika Lestari Made Mega Nur Nanda Putri Putu Rahmat Rina "
    "Rizky Sari Siti Sri Taufik Tri Wahyu Wulan Yanti Yudi"
)
ID_LAST = names(
    "Saputra Santoso Wijaya Hidayat Pratama Kusuma Lestari Nugroho Setiawan Siregar Gunawan "
    "Hakim Purnomo Rahayu Simanjuntak Sihombing Tanjung Utami Wibowo Kurniawan Harahap "
    "Nasution"
)
EN_FIRST = names(
    "Alex Amy Ben Chloe Daniel Emily Grace Hannah Jack James Kate Liam Lucy Mark Mia Noah "
    "Olivia Ryan Sam Sarah Sophie Tom"
)
EN_LAST = names(
    "Brown Clarke Davies Evans Green Hall Harris Jones King Lee Miller Smith Taylor Walker"
)
# Complaint openers for bulk mentions; "{n}" becomes an order/ticket number.
TEXTS = (
    "paket saya belum sampai, resi {n}. Tolong dicek ya",
    "sudah 3 hari chat CS tidak dibalas, order {n}",
    "refund untuk pesanan {n} kapan diproses?",
    "aplikasinya error terus waktu bayar pakai e-wallet",
    "kenapa saldo saya terpotong dua kali? transaksi {n}",
    "barang yang datang rusak, mohon solusinya. Order {n}",
    "my order {n} still says processing after a week",
    "I was charged twice for order {n}, please help",
    "the app keeps logging me out since the last update",
    "terima kasih, masalah kemarin sudah beres 🙏",
    "can someone from support DM me? ticket {n}",
    "voucher tidak bisa dipakai padahal belum expired",
)
ID_WORDS = words(
    "saya sudah belum tidak kenapa tolong mohon barang pesanan kapan dan yang ya terima "
    "kasih aplikasinya padahal bisa halo mau tanya sampai dong gimana"
)
_WORD = re.compile(r"[a-zA-Z]+")


def detect_lang(text: str) -> str:
    """X's `lang` code: "in" for Indonesian, else "en" (the two the demo receives)."""
    words = {w.lower() for w in _WORD.findall(text)}
    return "in" if words & ID_WORDS else "en"


def iso_ms(timestamp: float) -> str:
    """X's timestamp format: ISO 8601 UTC with milliseconds and a Z."""
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp))
    return f"{seconds}.{int(timestamp * 1000) % 1000:03d}Z"


TEXT_LANGS = {text: detect_lang(text) for text in TEXTS}


class People:
    """Makes customers with unique usernames from one seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 -- simulated people, not secrets
        self.usernames: set[str] = set()

    def reset(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 -- simulated people, not secrets
        self.usernames.clear()

    def claim(self, username: str) -> None:
        self.usernames.add(username.lower())

    def person(
        self, user_id: str, now: float, given: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A v2 user object with every field X can return; `given` values win."""
        given = given or {}
        rng = self.rng
        if rng.random() < 0.7:
            first, last = rng.choice(ID_FIRST), rng.choice(ID_LAST)
        else:
            first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
        name = str(given.get("name") or f"{first} {last}")
        username = str(given.get("username") or self._username(first, last))
        self.claim(username)
        # Log-normal around ~250 followers: most accounts 10-2,000, a long tail past 50k.
        followers = int(given.get("followers_count", int(rng.lognormvariate(5.5, 1.6))))
        slug = base64.urlsafe_b64encode(rng.randbytes(6)).decode()
        image_id = rng.randrange(10**18, 10**19)
        avatar = f"https://pbs.twimg.com/profile_images/{image_id}/{slug}_normal.jpg"
        joined = now - rng.uniform(30, 4000) * 86400
        return {
            "id": user_id,
            "name": name,
            "username": username,
            "created_at": iso_ms(int(joined)),
            "description": "",
            "location": rng.choice(("Jakarta", "Surabaya", "Bandung", "Medan", "Bali", "")),
            "profile_image_url": str(given.get("profile_image_url") or avatar),
            "protected": False,
            "public_metrics": {
                "followers_count": followers,
                "following_count": int(rng.lognormvariate(5.0, 1.0)),
                "tweet_count": int(rng.lognormvariate(7.0, 1.5)),
                "listed_count": int(followers * rng.uniform(0, 0.02)),
            },
            "verified": bool(given.get("verified", rng.random() < 0.03)),
        }

    def text(self) -> tuple[str, str]:
        """A complaint and its `lang`."""
        template = self.rng.choice(TEXTS)
        return template.format(n=self.rng.randrange(100000, 999999)), TEXT_LANGS[template]

    def _username(self, first: str, last: str) -> str:
        rng = self.rng
        base = rng.choice(
            (
                first + last,
                f"{first}_{last}",
                first + str(rng.randrange(10, 999)),
                f"{first}{last[0]}",
            )
        )
        base = base[:12]  # the name lists hold ASCII letters only
        if rng.random() < 0.5:
            base = base.lower()
        candidate = base
        while candidate.lower() in self.usernames:
            candidate = f"{base}{rng.randrange(10, 999)}"[:15]
        return candidate
