"""Customer texts for the simulated brand, Nusantara Tech, in Indonesian and English.

Every sentence here was written for care; none comes from a corpus. A text is composed from
parts (opening, problem, detail, ask, closing) whose slots are filled with products, order
numbers, cities and Rupiah amounts, then roughened the way people type on social media
(abbreviations, emoji, a hashtag, CAPS, "!!!"). That gives many thousands of distinct texts
from a few hundred sentences.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

LANGUAGES = ("id", "en")
TOPICS = (
    "broken_device",
    "laptop_battery",
    "late_delivery",
    "refund",
    "billing",
    "account",
    "app_bug",
    "product_question",
    "store_question",
    "praise",
)
VOICES = ("angry", "calm", "worried", "sarcastic", "grateful")
KINDS = ("mention", "comment", "dm", "followup", "reply_to_brand")
X_KINDS = ("mention", "followup", "reply_to_brand")  # public tweets: 280 weighted characters

DEFAULT_ID_SHARE = 0.6
DEFAULT_HANDLE = "NusantaraCares"
X_MAX_WEIGHT = 280

# How often each topic comes up on an ordinary day.
TOPIC_WEIGHTS = {
    "broken_device": 14,
    "laptop_battery": 8,
    "late_delivery": 16,
    "refund": 10,
    "billing": 8,
    "account": 8,
    "app_bug": 10,
    "product_question": 10,
    "store_question": 8,
    "praise": 8,
}
VOICE_WEIGHTS = {"angry": 22, "calm": 33, "worried": 20, "sarcastic": 10, "grateful": 15}
PRAISE_VOICE_WEIGHTS = {"angry": 3, "calm": 30, "worried": 5, "sarcastic": 7, "grateful": 55}
FIRESTORM_VOICE_WEIGHTS = {"angry": 50, "calm": 8, "worried": 20, "sarcastic": 20, "grateful": 2}


@dataclass(frozen=True)
class Composed:
    text: str
    language: str
    topic: str
    voice: str
    kind: str


# --- slot values ----------------------------------------------------------------------
LAPTOPS = ("NusaBook Air 14", "NusaBook Pro 15", "NusaBook Go 11", "NusaBook Flip 13")
PHONES = ("Nusa X9", "Nusa X9 Pro", "Nusa A5", "Nusa Note 12", "Nusa Lite 4")
TVS = ('NusaVision 43"', "NusaVision 55 4K", 'NusaVision 32" Smart TV', "NusaVision 65 QLED")
GADGETS = ("NusaTab 10", "NusaBuds 2", "NusaWatch S", "charger 65W", "NusaPad Mini")
PRODUCTS = LAPTOPS + PHONES + TVS + GADGETS
CITIES = (
    "Jakarta",
    "Surabaya",
    "Bandung",
    "Medan",
    "Makassar",
    "Semarang",
    "Yogyakarta",
    "Denpasar",
    "Palembang",
    "Balikpapan",
    "Malang",
    "Bekasi",
    "Depok",
    "Tangerang",
    "Bogor",
    "Pontianak",
    "Manado",
    "Padang",
    "Samarinda",
    "Solo",
)
MONTHS = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def rupiah(amount: int) -> str:
    """Rp 1.250.000: Indonesian writes thousands with dots."""
    return "Rp " + f"{amount:,}".replace(",", ".")


def order_number(rng: random.Random) -> str:
    return f"NT-{rng.choice((2025, 2026, 2026, 2026))}-{rng.randint(10000, 99999)}"


def _date(rng: random.Random, language: str) -> str:
    day, month = rng.randint(1, 28), rng.choice(MONTHS[language])
    return f"{day} {month}" if language == "id" else f"{month} {day}"


SLOT_MAKERS: dict[str, Callable[[random.Random, str], str]] = {
    "product": lambda rng, lang: rng.choice(PRODUCTS),
    "laptop": lambda rng, lang: rng.choice(LAPTOPS),
    "phone": lambda rng, lang: rng.choice(PHONES),
    "tv": lambda rng, lang: rng.choice(TVS),
    "order": lambda rng, lang: order_number(rng),
    "ticket": lambda rng, lang: f"SC-{rng.randint(100000, 999999)}",
    "days": lambda rng, lang: str(rng.choice((2, 3, 3, 4, 5, 6, 7, 9, 10, 12, 14))),
    "hours": lambda rng, lang: str(rng.choice((1, 2, 2, 3))),
    "minutes": lambda rng, lang: str(rng.choice((10, 15, 20, 30, 40))),
    "pct": lambda rng, lang: str(rng.choice((12, 20, 35, 48, 60, 67, 73, 80))),
    "times": lambda rng, lang: str(rng.randint(2, 6)),
    "date": _date,
    "city": lambda rng, lang: rng.choice(CITIES),
    "amount": lambda rng, lang: rupiah(rng.randint(4, 600) * 25_000),
    "fee": lambda rng, lang: rupiah(rng.randint(12, 95) * 1_000),
    "price": lambda rng, lang: rupiah(rng.randint(20, 90) * 250_000 - 1_000),
    "budget": lambda rng, lang: rupiah(rng.randint(3, 25) * 1_000_000),
    "last4": lambda rng, lang: f"{rng.randint(0, 9999):04d}",
    "points": lambda rng, lang: f"{rng.randint(1, 60)}.{rng.choice(('000', '500', '250'))}",
    "brand": lambda rng, lang: rng.choice(("Nusantara Tech", "Nusantara Tech", "NT")),
    "android": lambda rng, lang: str(rng.choice((12, 13, 14, 15))),
}


class _Slots(dict[str, str]):
    """Fills a slot the first time a template asks for it, so repeats in one text agree."""

    def __init__(self, rng: random.Random, language: str) -> None:
        super().__init__()
        self.rng = rng
        self.language = language

    def __missing__(self, key: str) -> str:
        value = SLOT_MAKERS[key](self.rng, self.language)
        self[key] = value
        return value


# --- the bank -----------------------------------------------------------------------------
# Problems start in lower case: assembly capitalises them after a full stop.
OPENINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "id": {
        "angry": (
            "Min, ini gimana sih?!",
            "Parah banget pelayanan kalian.",
            "Sumpah ya kesel banget sama {brand}.",
            "Udah capek komplain terus min.",
            "{brand} kok gini sih??",
            "Kecewa berat sama {brand}.",
            "Halo? Ada orangnya gak sih di akun ini?",
            "Mau komplain keras nih min.",
            "Gak habis pikir sama {brand}.",
        ),
        "calm": (
            "Halo min,",
            "Selamat pagi kak,",
            "Permisi min, mau tanya.",
            "Hai {brand}, mau lapor.",
            "Siang min,",
            "Malam kak, maaf ganggu.",
            "Halo kak, numpang tanya ya.",
            "",
        ),
        "worried": (
            "Min tolong dong, aku panik nih.",
            "Kak, aku khawatir banget.",
            "Duh min gimana ini,",
            "Min, aku bingung harus gimana.",
            "Halo kak, mohon bantuannya ya, lagi cemas banget.",
            "Min tolong, aku takut kenapa-kenapa.",
        ),
        "sarcastic": (
            "Wah keren banget {brand},",
            "Mantap min, pelayanan bintang lima.",
            "Makasih lho {brand} udah bikin hari aku makin seru.",
            "Salut deh sama {brand},",
            "Hebat, rekor baru nih min.",
            "Selamat {brand}, kalian berhasil bikin aku emosi pagi-pagi.",
        ),
        "grateful": (
            "Halo min, makasih sebelumnya ya.",
            "Kak, terima kasih udah bantu kemarin.",
            "Hai {brand}!",
            "Min, sebelumnya makasih banyak.",
            "Halo kak, semoga sehat selalu.",
        ),
    },
    "en": {
        "angry": (
            "Seriously, {brand}?",
            "This is unacceptable.",
            "I'm so done with {brand}.",
            "Hello?? Does anyone actually read this account?",
            "Worst week ever thanks to {brand}.",
            "I am beyond frustrated right now.",
            "Unbelievable, {brand}.",
        ),
        "calm": (
            "Hi there,",
            "Hello {brand},",
            "Good morning,",
            "Hi team, quick question.",
            "Hey, hoping you can help.",
            "Hi,",
            "",
        ),
        "worried": (
            "Please help, I'm really worried.",
            "Hi, I'm kind of panicking here.",
            "Hello, I'm not sure what to do.",
            "Hi team, a bit stressed about this one.",
            "Help please,",
        ),
        "sarcastic": (
            "Wow, great job {brand}.",
            "Love how {brand} keeps surprising me.",
            "Five stars for creativity, {brand}.",
            "Thanks {brand}, you really made my day.",
            "Impressive work as usual, {brand}.",
        ),
        "grateful": (
            "Hi, thanks in advance!",
            "Hello team, thanks for the quick help last time.",
            "Hey {brand}!",
            "Hi, hope you're all doing well.",
        ),
    },
}

# For praise the opening has to fit the good news whatever the voice.
PRAISE_OPENINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "id": {
        "angry": (
            "Biasanya aku yg paling sering komplain, tapi kali ini harus diakui.",
            "Oke, kali ini aku gak marah-marah.",
        ),
        "calm": ("Halo min, mau kasih kabar baik.", "Sekadar info buat {brand},", ""),
        "worried": (
            "Tadinya udah deg-degan, ternyata aman.",
            "Kemarin sempat panik, tapi ternyata beres.",
        ),
        "sarcastic": ("Tumben nih {brand}.", "Wah ada keajaiban,", "Siapa sangka,"),
        "grateful": ("Makasih banyak {brand}!", "Terima kasih kak!", "Mau ngucapin makasih,"),
    },
    "en": {
        "angry": (
            "I complain here a lot, so fair is fair.",
            "Not a complaint for once.",
        ),
        "calm": ("Hi, some good news for a change.", "Just a quick note,", ""),
        "worried": ("I was nervous about this, but it turned out fine.", "Phew."),
        "sarcastic": ("Well, look at that, {brand}.", "Miracles do happen,", "Who knew,"),
        "grateful": ("Huge thanks {brand}!", "Thank you so much!", "Shout-out to {brand},"),
    },
}

PROBLEMS: dict[str, dict[str, tuple[str, ...]]] = {
    "id": {
        "broken_device": (
            "{product} aku baru {days} hari dipake udah mati total.",
            "layar {phone} tiba-tiba ada garis hijau pas lagi dipake.",
            "{product} yg aku beli bulan lalu gak mau nyala sama sekali.",
            "speaker {tv} bunyinya pecah, padahal masih baru.",
            "{phone} sering restart sendiri, sehari bisa {times} kali.",
            "layar sentuh {phone} gak responsif di bagian bawah.",
            "{product} gak bisa dicas, lampu indikatornya mati.",
            "{tv} cuma nyala lampu merahnya doang, layarnya gelap.",
        ),
        "laptop_battery": (
            "baterai {laptop} aku cuma tahan {hours} jam, padahal katanya bisa seharian.",
            "{laptop} baterainya anjlok dari {pct}% ke 0% dalam hitungan menit.",
            "baterai {laptop} menggelembung, touchpad sampe keangkat.",
            "{laptop} gak mau ngecas lagi, mentok di {pct}% terus.",
            "{laptop} panas banget pas dicas, sampe tercium bau gosong.",
            "abis update BIOS kemarin baterai {laptop} jadi boros parah.",
            "{laptop} langsung mati kalau charger dicabut, padahal indikator {pct}%.",
        ),
        "late_delivery": (
            "pesanan {order} udah {days} hari belum sampai juga.",
            "status paket aku dari kemarin 'sedang diproses' terus, gak gerak-gerak.",
            "katanya estimasi sampai {date}, sekarang udah lewat.",
            "resi pesanan {order} gak bisa dilacak sama sekali.",
            "kurirnya bilang paket udah diantar, padahal aku gak nerima apa-apa.",
            "paket {product} aku nyangkut di gudang {city} udah {days} hari.",
        ),
        "refund": (
            "refund aku {amount} belum masuk juga padahal udah {days} hari.",
            "pengajuan refund buat {order} ditolak tanpa alasan jelas.",
            "barang udah aku retur dari tanggal {date}, dananya belum balik.",
            "katanya refund 3-5 hari kerja, ini udah {days} hari.",
            "aku batalin pesanan {order} tapi saldonya belum kembali.",
        ),
        "billing": (
            "saldo aku kepotong dua kali buat pesanan {order}.",
            "kartu kredit aku ditagih {amount} padahal transaksinya gagal.",
            "cicilan 0% kok malah kena bunga di tagihan bulan ini?",
            "aku ditagih biaya langganan NusaCare+ padahal gak pernah daftar.",
            "voucher diskon gak kepotong, total bayar tetep {amount}.",
            "tagihan aku dobel, {amount} keluar dua kali di hari yg sama.",
        ),
        "account": (
            "akun aku gak bisa login, katanya password salah terus.",
            "kode OTP gak pernah masuk ke HP aku.",
            "akun aku tiba-tiba keblokir tanpa pemberitahuan.",
            "kayaknya akun aku dibobol, ada pesanan {order} yg bukan aku yg pesan.",
            "gak bisa ganti nomor HP di akun, muncul error terus.",
            "email verifikasi akun gak pernah nyampe, udah cek folder spam juga.",
        ),
        "app_bug": (
            "aplikasi Nusantara Tech force close terus tiap buka keranjang.",
            "abis update aplikasi, halaman pembayaran cuma putih doang.",
            "fitur lacak paket di aplikasi error, muncul kode 503.",
            "{phone} gak bisa konek ke WiFi setelah update software.",
            "notifikasi aplikasi telat banget masuknya, kadang sejam kemudian.",
            "{tv} gak bisa buka aplikasi streaming sejak update kemarin.",
            "sinyal {phone} sering hilang sendiri sejak update terakhir.",
        ),
        "product_question": (
            "mau tanya, {laptop} udah bisa dicas pake Type-C belum?",
            "{phone} bedanya sama versi Pro apa aja ya?",
            "{tv} bisa dipasang di dinding pake bracket biasa gak?",
            "RAM {laptop} bisa di-upgrade gak?",
            "{product} kapan restock ya?",
            "garansi resmi {product} berapa lama?",
            "{phone} udah support 5G belum?",
        ),
        "store_question": (
            "service center di {city} buka jam berapa ya?",
            "toko Nusantara Tech di {city} buka hari Minggu gak?",
            "bisa ambil pesanan langsung di toko {city} gak?",
            "servis di service center harus booking dulu atau bisa langsung datang?",
            "alamat service center {city} yg baru di mana ya?",
            "di toko {city} bisa tukar tambah HP lama gak?",
        ),
        "praise": (
            "servis {product} di {city} cepet banget, sehari langsung beres.",
            "pesanan {order} sampai lebih cepat dari estimasi.",
            "{laptop} yg aku beli mantap banget buat kerja.",
            "CS kalian kemarin sabar banget jelasin ke aku.",
            "refund aku udah masuk, prosesnya gampang.",
            "{tv} baru dipasang, gambarnya jernih banget.",
        ),
    },
    "en": {
        "broken_device": (
            "my {product} died completely after {days} days.",
            "there's a green line across my {phone} screen out of nowhere.",
            "the {product} I bought last month won't turn on at all.",
            "the speakers on my {tv} crackle and it's brand new.",
            "my {phone} keeps rebooting itself, {times} times a day.",
            "the bottom part of my {phone} touchscreen doesn't respond.",
            "my {product} won't charge and the light doesn't come on.",
            "my {tv} shows a red light but the screen stays black.",
        ),
        "laptop_battery": (
            "my {laptop} battery lasts {hours} hours max, you advertised all day.",
            "my {laptop} goes from {pct}% to dead in a few minutes.",
            "the battery in my {laptop} is swelling and lifting the touchpad.",
            "my {laptop} stopped charging, it's stuck at {pct}%.",
            "my {laptop} gets super hot while charging and smells burnt.",
            "after yesterday's BIOS update my {laptop} battery drains like crazy.",
            "my {laptop} shuts off the second I unplug it, even at {pct}%.",
        ),
        "late_delivery": (
            "order {order} is {days} days late.",
            "my package has said 'processing' since yesterday and hasn't moved.",
            "delivery was promised for {date}, that date is long gone.",
            "the tracking number for {order} doesn't work at all.",
            "the courier marked my parcel delivered but nothing arrived.",
            "my {product} has been sitting in the {city} warehouse for {days} days.",
        ),
        "refund": (
            "my refund of {amount} still hasn't arrived after {days} days.",
            "my refund request for {order} got rejected with no reason.",
            "I sent the item back on {date} and still no money.",
            "you said 3-5 business days for the refund, it's been {days}.",
            "I cancelled order {order} and my balance never came back.",
        ),
        "billing": (
            "I got charged twice for order {order}.",
            "my card was billed {amount} for a payment that failed.",
            "why is there interest on my 0% installment this month?",
            "I'm being billed for NusaCare+ and I never signed up.",
            "the discount voucher didn't apply, I still paid {amount}.",
            "{amount} left my account twice on the same day.",
        ),
        "account": (
            "I can't log in, it keeps saying my password is wrong.",
            "the OTP code never arrives on my phone.",
            "my account got blocked without any notice.",
            "I think my account was hacked, there's an order {order} I never placed.",
            "changing the phone number on my account throws an error every time.",
            "the verification email never shows up, checked spam too.",
        ),
        "app_bug": (
            "the Nusantara Tech app crashes every time I open the cart.",
            "since the app update the payment page is just blank.",
            "order tracking in the app shows error 503.",
            "my {phone} won't connect to WiFi since the software update.",
            "app notifications come in an hour late.",
            "my {tv} can't open any streaming app since last night's update.",
            "my {phone} keeps losing signal since the last update.",
        ),
        "product_question": (
            "does the {laptop} charge over USB-C?",
            "what's the actual difference between the {phone} and the Pro?",
            "can the {tv} go on a standard wall bracket?",
            "can I upgrade the RAM on the {laptop}?",
            "when will the {product} be back in stock?",
            "how long is the official warranty on the {product}?",
            "does the {phone} support 5G?",
        ),
        "store_question": (
            "what time does the {city} service centre open?",
            "is the Nusantara Tech store in {city} open on Sundays?",
            "can I pick up my online order at the {city} store?",
            "do I need to book for the service centre or can I just walk in?",
            "where is the new {city} service centre?",
            "does the {city} store take trade-ins?",
        ),
        "praise": (
            "the {city} service centre fixed my {product} in one day.",
            "order {order} arrived earlier than promised.",
            "the {laptop} I bought is perfect for work.",
            "your support agent yesterday was so patient with me.",
            "my refund came through and it was painless.",
            "just set up my new {tv} and the picture is gorgeous.",
        ),
    },
}

DETAILS: dict[str, dict[str, tuple[str, ...]]] = {
    "id": {
        "broken_device": (
            "Belinya di toko {city}, masih garansi kok.",
            "Udah aku reset pabrik tapi sama aja.",
            "Gak pernah jatuh atau kena air sama sekali.",
            "Nomor servisnya {ticket} kalau perlu.",
            "Udah dibawa ke service center {city} tapi disuruh nunggu {days} hari.",
            "Struk sama kartu garansi masih lengkap.",
        ),
        "laptop_battery": (
            "Baru beli {days} hari lalu.",
            "Udah coba kalibrasi sama ganti stopkontak, hasilnya sama.",
            "Battery health di aplikasi katanya tinggal {pct}%.",
            "Temen aku yg beli {laptop} juga ngalamin hal yg sama.",
            "Aku pake charger bawaan kok, bukan yg abal-abal.",
            "Dipake cuma buat ngetik sama zoom doang.",
        ),
        "late_delivery": (
            "Alamat aku di {city}, bukan pelosok kok.",
            "Udah bayar ongkir express {fee}.",
            "Barangnya buat kado, harusnya udah dikasih kemarin.",
            "CS chat cuma balas template doang.",
            "Aku nungguin di rumah seharian gara-gara ini.",
        ),
        "refund": (
            "Bayarnya pake transfer bank.",
            "Bukti retur udah aku upload di aplikasi.",
            "Totalnya {amount}, lumayan banget buat aku.",
            "Status di aplikasi masih 'diproses'.",
            "Udah telepon call center {times} kali.",
        ),
        "billing": (
            "Kartu yg kepotong akhiran {last4}.",
            "Mutasi rekening udah aku screenshot.",
            "Transaksinya tanggal {date}.",
            "Di aplikasi cuma muncul satu pesanan.",
            "Jumlahnya {amount}, bukan nominal kecil.",
        ),
        "account": (
            "Emailnya masih sama kok, gak pernah ganti.",
            "Udah coba reset password {times} kali.",
            "Di akun itu ada {points} NusaPoin.",
            "Login pake Google juga gagal.",
            "Nomor HP aku juga masih aktif.",
        ),
        "app_bug": (
            "HP aku Android {android}.",
            "Udah hapus cache sama install ulang.",
            "Internet aman, aplikasi lain lancar.",
            "Kejadiannya sejak {date}.",
            "Udah restart {times} kali juga.",
        ),
        "product_question": (
            "Rencana buat kuliah.",
            "Budget aku sekitar {budget}.",
            "Mau beliin orang tua di {city}.",
            "Info di website kurang lengkap.",
        ),
        "store_question": (
            "Soalnya aku kerja sampai sore.",
            "Rumah aku lumayan jauh dari pusat kota.",
            "Mau servis {product}.",
            "Takut udah tutup pas aku sampai.",
        ),
        "praise": (
            "Teknisinya ramah dan jelasin masalahnya.",
            "Packing-nya rapi dan aman.",
            "Gak nyangka bakal secepat ini.",
            "Udah aku rekomendasiin ke temen-temen.",
        ),
    },
    "en": {
        "broken_device": (
            "Bought it at the {city} store, still under warranty.",
            "Already did a factory reset, no change.",
            "Never dropped it, never got it wet.",
            "Service ticket is {ticket} if that helps.",
            "The {city} service centre says I have to wait {days} days.",
            "I still have the receipt and warranty card.",
        ),
        "laptop_battery": (
            "Bought it {days} days ago.",
            "Tried recalibrating and a different socket, same thing.",
            "Battery health in the app says {pct}%.",
            "A friend with the same {laptop} has the exact same issue.",
            "Using the original charger, not a cheap one.",
            "I only use it for documents and video calls.",
        ),
        "late_delivery": (
            "I live in {city}, not exactly remote.",
            "I paid {fee} for express shipping.",
            "It was meant to be a birthday gift.",
            "Live chat only sends me canned replies.",
            "Stayed home all day waiting for it.",
        ),
        "refund": (
            "I paid by bank transfer.",
            "Return receipt is uploaded in the app.",
            "It's {amount}, that's a lot of money for me.",
            "The app still says 'in process'.",
            "I've called the hotline {times} times.",
        ),
        "billing": (
            "Card ending {last4}.",
            "I have screenshots of my bank statement.",
            "The transaction was on {date}.",
            "The app only shows one order.",
            "We're talking {amount}, not pocket change.",
        ),
        "account": (
            "Same email as always.",
            "Reset my password {times} times already.",
            "There are {points} NusaPoints on that account.",
            "Google sign-in fails too.",
            "My phone number is still active.",
        ),
        "app_bug": (
            "I'm on Android {android}.",
            "Cleared the cache and reinstalled.",
            "My internet is fine, other apps work.",
            "Started on {date}.",
            "Restarted {times} times already.",
        ),
        "product_question": (
            "It's for university.",
            "My budget is around {budget}.",
            "Buying it for my parents in {city}.",
            "The website doesn't say.",
        ),
        "store_question": (
            "I work until late afternoon.",
            "I live pretty far out.",
            "Need to get my {product} looked at.",
            "Don't want to show up to a closed door.",
        ),
        "praise": (
            "The technician explained everything.",
            "Packaging was neat and safe.",
            "Did not expect it to be this quick.",
            "Already recommended you to my friends.",
        ),
    },
}

ASKS: dict[str, dict[str, tuple[str, ...]]] = {
    "id": {
        "broken_device": (
            "Ini bisa klaim garansi gak?",
            "Tolong dibantu ya, aku butuh buat kerja.",
            "Harus dibawa ke mana ya buat servis?",
            "Bisa diganti unit baru gak?",
            "Gimana prosedurnya?",
        ),
        "laptop_battery": (
            "Ini cacat produksi bukan sih?",
            "Baterainya bisa diganti gratis gak?",
            "Ada recall gak buat seri ini?",
            "Aman gak sih dipake terus? Takut meledak.",
            "Tolong dicek ya.",
        ),
        "late_delivery": (
            "Paketnya sebenarnya di mana?",
            "Tolong dicek dong min.",
            "Bisa dipercepat gak?",
            "Kalau gak bisa, batalin aja deh.",
            "Kapan kira-kira sampainya?",
        ),
        "refund": (
            "Kapan dananya masuk?",
            "Tolong diproses ya min.",
            "Bisa minta nomor tiket refund-nya?",
            "Harus hubungi siapa lagi soal ini?",
        ),
        "billing": (
            "Tolong dikembalikan kelebihannya ya.",
            "Ini gimana ceritanya?",
            "Bisa dicek di sistem kalian?",
            "Mohon klarifikasinya.",
        ),
        "account": (
            "Tolong bantu pulihin akunnya.",
            "Gimana cara verifikasi ulang?",
            "Tolong amankan akun aku dulu.",
            "Harus kirim data apa aja?",
        ),
        "app_bug": (
            "Lagi ada gangguan ya?",
            "Kapan diperbaiki?",
            "Ada solusinya gak?",
            "Tolong diteruskan ke tim IT ya.",
        ),
        "product_question": (
            "Mohon infonya kak.",
            "Ditunggu jawabannya.",
            "Ada promo gak bulan ini?",
            "Makasih infonya ya.",
        ),
        "store_question": ("Mohon infonya.", "Biar gak bolak-balik.", "Makasih kak."),
        "praise": (
            "Pertahankan ya!",
            "Sukses terus {brand}!",
            "Salam buat timnya.",
            "Bakal belanja lagi di sini.",
        ),
    },
    "en": {
        "broken_device": (
            "Is this covered by warranty?",
            "Please help, I need it for work.",
            "Where do I take it for repair?",
            "Can I get a replacement unit?",
            "What's the process?",
        ),
        "laptop_battery": (
            "Is this a manufacturing defect?",
            "Can the battery be replaced for free?",
            "Is there a recall for this model?",
            "Is it even safe to keep using it?",
            "Please look into it.",
        ),
        "late_delivery": (
            "Where is my package actually?",
            "Can someone check please?",
            "Can you speed it up?",
            "If not, just cancel it.",
            "When will it arrive?",
        ),
        "refund": (
            "When will I get my money?",
            "Please process it.",
            "Can I get a refund ticket number?",
            "Who else do I have to contact?",
        ),
        "billing": (
            "Please refund what you overcharged.",
            "How did this happen?",
            "Can you check your system?",
            "I need an explanation.",
        ),
        "account": (
            "Please help me recover it.",
            "How do I verify again?",
            "Please lock it down until this is sorted.",
            "What details do you need from me?",
        ),
        "app_bug": (
            "Is there an outage?",
            "When will it be fixed?",
            "Any workaround?",
            "Please pass this to your tech team.",
        ),
        "product_question": ("Thanks!", "Would appreciate the info.", "Any promo this month?"),
        "store_question": ("Thanks!", "Want to avoid a wasted trip.", "Appreciate it."),
        "praise": (
            "Keep it up!",
            "Well done {brand}!",
            "Say thanks to the team for me.",
            "Will definitely shop here again.",
        ),
    },
}

CLOSINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "id": {
        "angry": (
            "Jangan cuma nyuruh DM doang!",
            "Kecewa.",
            "Kapok beli di sini.",
            "Cepet direspon!",
            "Saya tunggu hari ini juga.",
            "Kalau gini terus mending ganti merek.",
        ),
        "calm": ("Terima kasih.", "Makasih min.", "Ditunggu kabarnya ya.", ""),
        "worried": (
            "Mohon bantuannya.",
            "Tolong banget ya min.",
            "Aku takut uangnya hilang.",
            "Makasih banyak sebelumnya.",
        ),
        "sarcastic": ("Luar biasa emang.", "Mantap jiwa.", "Salut.", "Top markotop."),
        "grateful": ("Makasih banyak!", "Terima kasih kak!", "Sukses terus.", "Makasih ya!"),
    },
    "en": {
        "angry": (
            "Don't just tell me to DM you!",
            "Disappointed.",
            "Never buying from you again.",
            "Fix it today.",
            "Thinking about switching brands.",
        ),
        "calm": ("Thanks.", "Thank you!", "Looking forward to hearing from you.", ""),
        "worried": ("Please help.", "Really hoping you can sort this.", "Thanks in advance."),
        "sarcastic": ("Truly impressive.", "Bravo.", "Great stuff.", "Just perfect."),
        "grateful": ("Thanks so much!", "Much appreciated!", "You're the best.", "Cheers!"),
    },
}

# What a follow-up asks about, per topic.
THINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "id": {
        "broken_device": ("servis {product} aku", "klaim garansi aku"),
        "laptop_battery": ("baterai {laptop} aku", "laptop aku"),
        "late_delivery": ("paket aku", "pesanan {order}"),
        "refund": ("refund aku", "dana {amount} aku"),
        "billing": ("tagihan dobel aku", "potongan {amount} itu"),
        "account": ("akun aku", "pemulihan akun aku"),
        "app_bug": ("error aplikasinya", "masalah update kemarin"),
        "product_question": ("pertanyaan aku", "info stok {product}"),
        "store_question": ("pertanyaan aku kemarin", "info service center {city}"),
        "praise": ("pesan aku",),
    },
    "en": {
        "broken_device": ("my {product} repair", "my warranty claim"),
        "laptop_battery": ("my {laptop} battery", "my laptop"),
        "late_delivery": ("my package", "order {order}"),
        "refund": ("my refund", "my {amount}"),
        "billing": ("the double charge", "that {amount} charge"),
        "account": ("my account", "my locked account"),
        "app_bug": ("the app error", "the update problem"),
        "product_question": ("my question", "the {product} restock"),
        "store_question": ("my question", "the {city} service centre hours"),
        "praise": ("my message",),
    },
}

FOLLOWUPS: dict[str, tuple[str, ...]] = {
    "id": (
        "Min, gimana kabar {thing}? Udah {days} hari belum dibalas.",
        "Halo? Masih nunggu jawaban soal {thing} nih.",
        "Udah {days} hari belum dibalas juga, min.",
        "Min, DM aku cuma dibaca doang, gak dibales.",
        "Up min. {thing} masih belum ada kejelasan.",
        "Masih belum ada update ya min soal {thing}?",
        "Tolong dicek lagi ya kak, {thing} belum beres.",
        "Follow up ya min, nomor pesanan {order}.",
        "Min???",
    ),
    "en": (
        "Any update on {thing}?",
        "Still waiting on {thing}, it's been {days} days.",
        "Hello? {days} days and not a word.",
        "Following up on this. Order {order}.",
        "Bumping this again, nobody has answered.",
        "Any news? My DM was read and ignored.",
        "Anyone there?",
    ),
}

PRAISE_FOLLOWUPS: dict[str, tuple[str, ...]] = {
    "id": (
        "Update: {product} masih aman sampai sekarang.",
        "Btw udah aku kasih bintang 5 di aplikasi ya.",
    ),
    "en": ("Update: still working perfectly a week later.", "Left you a 5-star review btw."),
}

# A customer answering the brand's reply: thanks, "DM sent", the details asked for, or not fixed.
BRAND_REPLY_ANSWERS: dict[str, dict[str, tuple[str, ...]]] = {
    "id": {
        "grateful": (
            "Makasih min, udah aku DM ya.",
            "Siap kak, udah aku kirim nomor pesanannya lewat DM.",
            "Udah beres sekarang, makasih banyak!",
            "Oke kak, makasih responnya cepet.",
        ),
        "calm": (
            "Oke, udah aku DM ya min.",
            "Nomor pesanannya {order} ya kak.",
            "Produknya {product}, belinya di {city}.",
            "Oke ditunggu ya kak.",
            "Udah dikirim lewat DM.",
        ),
        "angry": (
            "Udah aku DM dari kemarin, belum dibales juga!",
            "Udah dicoba semua saran kalian, tetep gak bisa.",
            "Jangan suruh DM terus, selesaikan masalahnya!",
            "Udah restart {times} kali, masih sama aja.",
            "Jawaban template lagi. Capek.",
        ),
        "worried": (
            "Udah aku DM ya kak, tolong secepatnya.",
            "Masih belum bisa kak, gimana dong?",
            "Udah aku kirim datanya, semoga cepet beres.",
        ),
        "sarcastic": (
            "Wah balasan template lagi. Makasih lho.",
            "DM udah dikirim. Kita lihat berapa minggu lagi dibalas.",
            "Oke, aku tunggu keajaibannya.",
        ),
    },
    "en": {
        "grateful": (
            "Thanks, DM sent!",
            "Just sent the order number over DM, thank you.",
            "That fixed it, thanks a lot!",
            "Appreciate the quick reply.",
        ),
        "calm": (
            "DM sent.",
            "Order number is {order}.",
            "It's the {product}, bought in {city}.",
            "Okay, I'll wait for your message.",
        ),
        "angry": (
            "I messaged you yesterday. Nothing since.",
            "Tried all of that. Still broken.",
            "Stop asking me to DM and fix it!",
            "Restarted it {times} times, no difference.",
            "Another canned answer. Great.",
        ),
        "worried": (
            "Sent the DM, please hurry.",
            "Still not working, what now?",
            "Sent my details, hoping this gets sorted soon.",
        ),
        "sarcastic": (
            "Oh good, another copy-paste reply.",
            "DM sent. See you next month I guess.",
            "Can't wait to be asked for my order number a third time.",
        ),
    },
}

# Direct messages are longer and nearly always carry the order number.
DM_GREETINGS: dict[str, tuple[str, ...]] = {
    "id": (
        "Halo Nusantara Tech Care,",
        "Selamat siang min,",
        "Permisi kak,",
        "Halo min, ini aku yg tadi mention di timeline.",
        "Selamat malam,",
    ),
    "en": (
        "Hi Nusantara Tech Care,",
        "Hello, following up from my tweet.",
        "Hi team,",
        "Good afternoon,",
    ),
}
DM_ORDER_LINES: dict[str, tuple[str, ...]] = {
    "id": (
        "Nomor pesanan saya {order}.",
        "Ini soal pesanan {order} ya.",
        "Order {order}, mohon dicek.",
    ),
    "en": ("My order number is {order}.", "This is about order {order}.", "Order: {order}."),
}
DM_SIGNOFFS: dict[str, tuple[str, ...]] = {
    "id": (
        "Saya bisa dihubungi di sini kapan aja.",
        "Terima kasih, ditunggu kabarnya.",
        "Mohon segera ditindaklanjuti.",
        "Makasih min.",
    ),
    "en": (
        "You can reach me here anytime.",
        "Thanks, looking forward to hearing back.",
        "Please get back to me soon.",
    ),
}

# The Page's own posts, for comments to land under.
PAGE_POSTS: dict[str, tuple[str, ...]] = {
    "id": (
        "Promo akhir bulan! {laptop} sekarang mulai {price}. Cek di toko terdekat ya.",
        "Service center baru kami di {city} sudah buka. Yuk mampir!",
        "Kenalan sama {phone}: baterai lebih awet, kamera lebih tajam.",
        "Tips: kalibrasi baterai laptop kamu sebulan sekali biar tetap sehat.",
        "Gratis ongkir ke seluruh Indonesia sampai {date}.",
    ),
    "en": (
        "Meet the {laptop}: lighter, faster, and ready for anything.",
        "Our new {city} service centre is open. Come say hi!",
        "Weekend deal: {tv} from {price}.",
    ),
}

EMOJI: dict[str, tuple[str, ...]] = {
    "angry": ("😡", "🤬", "😤", "👎", "😠"),
    "calm": ("🙂", "🙏", "😊"),
    "worried": ("😟", "😢", "🙏", "😭", "😰"),
    "sarcastic": ("🙃", "👏", "😂", "🤡", "😅"),
    "grateful": ("🙏", "😊", "❤️", "👍", "🥰", "✨"),
}
HASHTAGS: dict[str, dict[str, tuple[str, ...]]] = {
    "id": {
        "angry": ("#kecewa", "#NusantaraTech", "#pelayananburuk"),
        "calm": ("#NusantaraTech",),
        "worried": ("#tolong", "#NusantaraTech"),
        "sarcastic": ("#NusantaraTech", "#kecewa", "#mantap"),
        "grateful": ("#NusantaraTech", "#puas", "#terimakasih"),
    },
    "en": {
        "angry": ("#fail", "#NusantaraTech", "#customerservice"),
        "calm": ("#NusantaraTech",),
        "worried": ("#help", "#NusantaraTech"),
        "sarcastic": ("#NusantaraTech", "#fail", "#greatservice"),
        "grateful": ("#NusantaraTech", "#thankyou", "#happycustomer"),
    },
}

# Informal spellings, each swapped in independently (whole words only).
SHORT_FORMS: dict[str, dict[str, tuple[str, ...]]] = {
    "id": {
        "yang": ("yg",),
        "sudah": ("udah", "udh"),
        "udah": ("udh", "dah"),
        "belum": ("blm", "blom"),
        "banget": ("bgt", "bngt"),
        "tolong": ("tlg",),
        "dengan": ("dgn",),
        "sama": ("sm",),
        "karena": ("krn", "soalnya"),
        "untuk": ("utk", "buat"),
        "bisa": ("bs",),
        "gimana": ("gmn", "gmna"),
        "kalau": ("kalo", "klo"),
        "gak": ("ga", "nggak", "gk"),
        "juga": ("jg",),
        "tapi": ("tp",),
        "lagi": ("lg",),
        "makasih": ("mksh", "makasi"),
        "terima kasih": ("makasih", "trims"),
        "kemarin": ("kmrn", "kemaren"),
        "sekarang": ("skrg",),
        "saya": ("sy",),
        "pesanan": ("pesenan",),
    },
    "en": {
        "you": ("u",),
        "please": ("pls", "plz"),
        "thanks": ("thx",),
        "because": ("bc",),
        "your": ("ur",),
        "tomorrow": ("tmrw",),
    },
}
_SHORT_FORM_RES = {
    # Not before an apostrophe: "you're" stays whole.
    language: re.compile(r"\b(" + "|".join(map(re.escape, forms)) + r")\b(?!')", re.IGNORECASE)
    for language, forms in SHORT_FORMS.items()
}
# Chance that a voice writes loud: CAPS words, "!!!" ; and adds an emoji.
LOUDNESS = {"angry": 0.55, "calm": 0.0, "worried": 0.15, "sarcastic": 0.25, "grateful": 0.1}
EMOJI_CHANCE = {"angry": 0.3, "calm": 0.1, "worried": 0.35, "sarcastic": 0.5, "grateful": 0.55}
HASHTAG_CHANCE = 0.12
LOWERCASE_CHANCE = 0.15
INFORMAL_CHANCE = {"id": 0.6, "en": 0.25}


# --- composing ------------------------------------------------------------------------------
def x_weight(text: str) -> int:
    """An upper bound of X's weighted length: code points above U+10FF count 2.

    X counts a whole emoji sequence as 2, so counting each code point can only overestimate;
    the texts here carry no URLs, which X would count as 23.
    """
    return sum(1 if ord(char) <= 0x10FF else 2 for char in text)


def pick_language(rng: random.Random, id_share: float = DEFAULT_ID_SHARE) -> str:
    return "id" if rng.random() < id_share else "en"


def pick_topic(rng: random.Random) -> str:
    return _weighted(rng, TOPIC_WEIGHTS)


def pick_voice(rng: random.Random, topic: str, weights: dict[str, int] | None = None) -> str:
    if weights is None:
        weights = PRAISE_VOICE_WEIGHTS if topic == "praise" else VOICE_WEIGHTS
    return _weighted(rng, weights)


def compose(
    rng: random.Random,
    *,
    language: str,
    topic: str | None = None,
    voice: str | None = None,
    kind: str = "mention",
    handle: str | None = DEFAULT_HANDLE,
) -> Composed:
    """One customer text. X kinds start with "@handle " (pass handle=None to leave it out)
    and stay within 280 weighted characters, the mention included."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    topic = topic or pick_topic(rng)
    if topic not in TOPICS:
        raise ValueError(f"topic must be one of {TOPICS}")
    voice = voice or pick_voice(rng, topic)
    if voice not in VOICES:
        raise ValueError(f"voice must be one of {VOICES}")
    slots = _Slots(rng, language)
    if kind == "dm":
        text = _dm(rng, language, topic, voice, slots)
    else:
        prefix = f"@{handle} " if handle and kind in X_KINDS else ""
        limit = X_MAX_WEIGHT - x_weight(prefix) if kind in X_KINDS else 1000
        text = prefix + _public(rng, language, topic, voice, kind, slots, limit)
    return Composed(text=text, language=language, topic=topic, voice=voice, kind=kind)


def compose_page_post(rng: random.Random, *, language: str) -> str:
    return rng.choice(PAGE_POSTS[language]).format_map(_Slots(rng, language))


def _public(
    rng: random.Random,
    language: str,
    topic: str,
    voice: str,
    kind: str,
    slots: _Slots,
    limit: int,
) -> str:
    parts = _parts(rng, language, topic, voice, kind)
    # Drop the least needed parts until the text fits; decoration is drawn again each time.
    droppable = ["detail2", "detail", "closing", "opening"]
    while True:
        text = _finish(rng, language, voice, kind, [p for _, p in parts], slots)
        if x_weight(text) <= limit or not droppable:
            break
        drop = droppable.pop(0)
        parts = [(name, p) for name, p in parts if name != drop]
    if x_weight(text) > limit:
        text = _truncate(text, limit)
    return text


def _parts(
    rng: random.Random, language: str, topic: str, voice: str, kind: str
) -> list[tuple[str, str]]:
    if kind == "followup":
        bank = PRAISE_FOLLOWUPS if topic == "praise" else FOLLOWUPS
        thing = rng.choice(THINGS[language][topic])
        return [("body", rng.choice(bank[language]).replace("{thing}", thing))]
    if kind == "reply_to_brand":
        answers = BRAND_REPLY_ANSWERS[language]
        answer_voice = "grateful" if topic == "praise" else voice
        parts = [("body", rng.choice(answers[answer_voice]))]
        if rng.random() < 0.25:
            parts.append(("detail", rng.choice(DETAILS[language][topic])))
        return parts
    openings = PRAISE_OPENINGS if topic == "praise" else OPENINGS
    closing_voice = "grateful" if topic == "praise" else voice
    # Chances picked so mentions run about 60-200 characters, like real first tweets to brands.
    parts = [("opening", rng.choice(openings[language][voice]) if rng.random() < 0.75 else "")]
    parts.append(("problem", rng.choice(PROBLEMS[language][topic])))
    details = DETAILS[language][topic]
    if rng.random() < 0.45:
        first = rng.choice(details)
        parts.append(("detail", first))
        if kind == "comment" and rng.random() < 0.3:
            parts.append(("detail2", rng.choice([d for d in details if d != first])))
    if rng.random() < 0.7:
        parts.append(("ask", rng.choice(ASKS[language][topic])))
    if rng.random() < 0.45:
        parts.append(("closing", rng.choice(CLOSINGS[language][closing_voice])))
    return parts


def _dm(rng: random.Random, language: str, topic: str, voice: str, slots: _Slots) -> str:
    details = list(DETAILS[language][topic])
    rng.shuffle(details)
    body = [
        rng.choice(DM_ORDER_LINES[language]),
        rng.choice(PROBLEMS[language][topic]),
        *details[: rng.randint(1, 3)],
        rng.choice(ASKS[language][topic]),
    ]
    # Messages come in lines: greeting, the story, a sign-off.
    lines = [rng.choice(DM_GREETINGS[language]), " ".join(body), rng.choice(DM_SIGNOFFS[language])]
    text = "\n".join(_sentence_case(line.format_map(slots)) for line in lines)
    if rng.random() < INFORMAL_CHANCE[language]:
        text = _informal(rng, language, text)
    if rng.random() < EMOJI_CHANCE[voice] / 2:
        text += " " + rng.choice(EMOJI[voice])
    return text


def _finish(
    rng: random.Random, language: str, voice: str, kind: str, parts: list[str], slots: _Slots
) -> str:
    text = _sentence_case(" ".join(p for p in parts if p).format_map(slots))
    if rng.random() < INFORMAL_CHANCE[language]:
        text = _informal(rng, language, text)
    if rng.random() < LOUDNESS[voice]:
        text = _loud(rng, text)
    elif rng.random() < LOWERCASE_CHANCE:
        text = _lower(text)
    if rng.random() < EMOJI_CHANCE[voice]:
        text += " " + rng.choice(EMOJI[voice]) * rng.choice((1, 1, 1, 2, 3))
    if kind != "reply_to_brand" and rng.random() < HASHTAG_CHANCE:
        text += " " + rng.choice(HASHTAGS[language][voice])
    return text


def _sentence_case(text: str) -> str:
    """Capital letters at the start and after a full stop, as the parts start in lower case."""
    text = re.sub(r"([.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    return text[:1].upper() + text[1:]


def _informal(rng: random.Random, language: str, text: str) -> str:
    forms = SHORT_FORMS[language]

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if rng.random() < 0.5:
            return word
        short = rng.choice(forms[word.lower()])
        return short.capitalize() if word[0].isupper() else short

    return _SHORT_FORM_RES[language].sub(swap, text)


def _lower(text: str) -> str:
    # Order and ticket numbers keep their capitals: people paste them.
    return re.sub(r"\b(nt|sc)-(?=\d)", lambda m: m.group(0).upper(), text.lower())


def _loud(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha() and w[0].islower()]
    for i in rng.sample(candidates, min(len(candidates), rng.randint(1, 2))):
        words[i] = words[i].upper()
    text = " ".join(words)
    if rng.random() < 0.6:
        text = re.sub(r"[.!?]+$", "", text) + rng.choice(("!!!", "!!", "!!!!", "?!"))
    return text


def _truncate(text: str, limit: int) -> str:
    while x_weight(text) > limit - 1:
        text = text.rsplit(" ", 1)[0]
    return text + "…"


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    names: Sequence[str] = list(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]
