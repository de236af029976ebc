"""Sentiment word lists for English and Bahasa Indonesia, written by the care team.

Weights: 2 for a clear word ("worst", "kecewa"), 1 for a mild one ("late", "lambat"),
negative below zero. Customer care talks in problems, so the lists carry the team's
words for them ("lemot", "gangguan", "not working") next to ordinary sentiment words.
A negator flips the next sentiment word within three tokens: "not good" is as bad as
"bad", "tidak buruk" only half as good as "baik". A negator that meets a verb of
"something does not work" ("gak bisa", "not working", "belum sampai") counts as a
problem by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from inbox.triage.text import BOUNDARY, stems, variants, word_set


@dataclass(frozen=True)
class Lexicon:
    words: Mapping[str, float]
    phrases: Mapping[str, float]  # two or three tokens, space-separated
    negators: frozenset[str]
    blocked: frozenset[str]  # negator + one of these = a problem ("can't login")
    problem: frozenset[str]  # negators that are a problem with any verb ("cannot adjust")
    contrast: frozenset[str]  # "but": what follows outweighs what came before
    # Filled on first use: a word's weight after variants and stems, phrase first words.
    _weights: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    _starts: set[str] = field(default_factory=set, compare=False, repr=False)


def _weights(strong: str, mild: str, sign: float) -> dict[str, float]:
    weights = dict.fromkeys(mild.split(), sign * 1.0)
    weights.update(dict.fromkeys(strong.split(), sign * 2.0))
    return weights


EMOJI: dict[str, float] = {
    **dict.fromkeys("😡😠🤬😤😒😑😩😫😭😢😞😔🙄💔👎😷🤮😖😣😓🤦", -1.0),
    **dict.fromkeys("😊😍❤♥🥰😄😁😃🙂👍👏🎉🙌😋🤗💛💙💚💜🧡😘🥳✨💯", 1.0),
}

ENGLISH = Lexicon(
    words={
        **_weights(
            strong="""bad terrible horrible awful worst worse hate hated hates sucks suck
            disappointed disappointing disappointment frustrated frustrating frustration
            annoyed annoying angry furious upset unacceptable ridiculous useless pathetic
            disgusting disgusted rude incompetent broken crash crashes crashed crashing
            outage scam fraud overcharged stolen damaged stuck nightmare unhelpful liar
            lied crooks shit shitty crap crappy wtf fuck fucking fucked stupid dumb
            dumbest idiot idiots horrifying appalling shameful joke garbage trash rubbish
            lousy scammed ripoff ugh smh regret hacked evil""",
            mild="""poor error errors bug bugs buggy glitch glitches issue issues problem
            problems fail failed fails failing failure delay delays delayed late
            cancelled canceled lost missing wrong refund waiting slow freezes frozen
            hangs complaint complain complaining worried worry worrying stress stressed
            stressful confused confusing mess messed sad unfortunately unhappy weak
            crazy insane hell damn charged dropped drops disconnected nobody anymore
            again inconvenient inconvenience incorrect denied fault""",
            sign=-1.0,
        ),
        **_weights(
            strong="""great awesome amazing excellent fantastic love loved loving loves
            best perfect wonderful brilliant fab fabulous delicious superb outstanding
            lovely impressed happy glad woohoo yay delighted grateful thankful incredible
            beautiful exceptional""",
            mild="""good nice thanks thank appreciate appreciated helpful friendly fast
            quick quickly smooth easy pleased enjoy enjoying enjoyed cool fun excited
            exciting kind sweet recommend resolved fixed works worked saved well welcome
            cheers congrats congratulations proud honored honoured treat treats finally
            luck""",
            sign=1.0,
        ),
        **EMOJI,
    },
    phrases={
        "no problem": 1.0,
        "no problems": 1.0,
        "no worries": 1.0,
        "no issues": 1.0,
        "can't wait": 2.0,
        "cant wait": 2.0,
        "not bad": 1.0,
        "thank you": 1.0,
        "thanks a lot": 2.0,
        "thank you so much": 2.0,
        "made my day": 2.0,
        "made my night": 2.0,
        "real one": 2.0,
        "no luck": -2.0,
        "no response": -2.0,
        "no reply": -2.0,
        "no one": -1.0,
        "on hold": -1.0,
        "still waiting": -2.0,
        "still no": -2.0,
        "still not": -2.0,
        "still down": -2.0,
        "is down": -2.0,
        "went down": -2.0,
        "been down": -2.0,
        "are down": -2.0,
        "keeps crashing": -2.0,
        "waste of": -2.0,
        "fix it": -1.0,
        "mess up": -2.0,
        "messed up": -2.0,
        "messes up": -2.0,
        "screwed up": -2.0,
        "thanks again": 2.0,
        "fix this": -1.0,
        "fix your": -1.0,
        "sort it": -1.0,
        "get back to me": -1.0,
        "what happened": -1.0,
    },
    negators=word_set(
        """not no never don't doesn't didn't isn't aren't wasn't weren't won't can't cannot
        couldn't shouldn't wouldn't haven't hasn't hadn't ain't dont doesnt didnt isnt arent
        wasnt cant wont couldnt havent hasnt nothing without unable neither nor longer"""
    ),
    blocked=word_set(
        """work works working worked load loading loads connect connecting connected arrive
        arrived arriving received receive get got respond responding responded reply replied
        open opening opens turn log login sign access play playing stream streaming sync
        syncing update updating send sending sent deliver delivered show showing shipped
        ship able help helped fixed fix resolved answer answered let allow allowed charge
        charging board boarded came come showed picked pick find found see"""
    ),
    problem=word_set(
        """can't cannot cant unable couldn't couldnt won't wont didn't didnt doesn't doesnt
        wasn't"""
    ),
    contrast=frozenset({"but", "however", "though", "although", "yet"}),
)

INDONESIAN = Lexicon(
    words={
        **_weights(
            strong="""kecewa mengecewakan dikecewakan kesal kesel sebel sebal marah parah
            buruk jelek lemot lelet rusak gangguan penipuan penipu tipu nipu ditipu
            bohong boong php zonk payah rugi dirugikan kapok nyesel menyesal benci muak
            jijik bodoh goblok bego tolol bangsat brengsek kampret najis busuk basi
            gagal eror error ngelag ngehang hang bobrok amburadul kacau hancur mengesalkan
            menyebalkan menjengkelkan jengkel dongkol emosi sedih menyedihkan kecewaa
            ngecewain dibobol kebobol diretas hilang raib penyesalan keluhan mengeluh
            lambat""",
            mild="""mahal ribet repot telat terlambat macet mati down lag bug crash ditolak
            salah komplain complain protes capek cape lelah susah sulit bingung khawatir
            takut kasihan prihatin lemah hambar tersiksa pusing anjir anjing sial sialan
            nunggu menunggu lama kurang masalah bermasalah kendala trouble refund
            dikembalikan pending nyangkut tertahan dibekukan diblokir terblokir putus
            ilang""",
            sign=-1.0,
        ),
        **_weights(
            strong="""mantap mantab mantul mantep keren hebat puas memuaskan senang seneng
            cinta enak lezat nikmat ramah sigap tanggap responsif recommended rekomen
            terbaik istimewa salut bangga bahagia gembira menyenangkan asyik asik juara
            luarbiasa top sukses terbantu membantu""",
            mild="""bagus baik suka sayang cepat cepet helpful nyaman bersih murah worth
            berhasil lancar beres makasih thanks terima seru lucu indah cantik ganteng
            sesuai aman amanah jujur profesional sabar semangat alhamdulillah syukur
            hore yeay oke ok good nice love best mudah gampang praktis""",
            sign=1.0,
        ),
        **EMOJI,
    },
    phrases={
        "terima kasih": 1.0,
        "luar biasa": 2.0,
        "tidak masalah": 1.0,
        "gak masalah": 1.0,
        "ga masalah": 1.0,
        "nggak masalah": 1.0,
        "kurang ajar": -2.0,
        "gak jelas": -2.0,
        "ga jelas": -2.0,
        "nggak jelas": -2.0,
        "tidak jelas": -2.0,
        "gak ada respon": -2.0,
        "tidak ada respon": -2.0,
        "ga ada respon": -2.0,
        "gak ada kabar": -2.0,
        "tidak ada kabar": -2.0,
        "lama banget": -2.0,
        "lama sekali": -2.0,
        "masih belum": -1.0,
        "tolong dong": -1.0,
        "gimana sih": -2.0,
        "mati lampu": -2.0,
        "mati listrik": -2.0,
        "no signal": -2.0,
        "bayar mahal": -2.0,
    },
    negators=word_set(
        """tidak tak gak ga gk g nggak ngga ngak enggak engga nda ndak bukan bkn belum jangan
        jgn tanpa kagak kaga gaada"""
    ),
    blocked=word_set(
        """bisa masuk nyampe sampai sampe datang diterima dikirim diproses diantar dibalas
        dibales direspon respon ada jalan nyala berfungsi konek connect aktif muncul kebuka
        dibuka terkirim cair kembali balik dikembalikan diganti jelas berubah login diangkat
        bekerja work dapat dapet bayar"""
    ),
    problem=frozenset({"belum", "blm"}),
    contrast=frozenset({"tapi", "namun", "tetapi", "padahal", "but"}),
)


def lookup(lexicon: Lexicon, token: str) -> float:
    cached = lexicon._weights.get(token)
    if cached is not None:
        return cached
    weight = 0.0
    for form in (*variants(token), *stems(token)):
        found = lexicon.words.get(form)
        if found is not None:
            weight = found
            break
    if len(lexicon._weights) < 50_000:  # bounded: a flood of odd words cannot grow it
        lexicon._weights[token] = weight
    return weight


def score_tokens(tokens: list[str], lexicon: Lexicon) -> tuple[float, float, list[str]]:
    """Sum of positive and of negative weights (as a positive number), and the words hit.

    A hit after "but"/"tapi" counts one and a half times: "thanks, but it is still broken"
    is a complaint.
    """
    positive = negative = 0.0
    hits: list[str] = []
    negator_at = -10
    negator = ""
    boost = 1.0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == BOUNDARY:
            negator_at = -10
            i += 1
            continue
        if token in lexicon.contrast:
            boost = 1.5
            i += 1
            continue
        phrase_weight, size = _phrase(tokens, i, lexicon)
        if size:
            weight = phrase_weight
            hits.append(" ".join(tokens[i : i + size]))
            i += size
            negator_at = -10  # a phrase is read as written, negators included
        else:
            if token in lexicon.negators:
                # "not working", "gak bisa": a problem even without a sentiment word.
                ahead = _clause(tokens, i + 1, 2)
                verb = next((t for t in ahead if t in lexicon.blocked), "")
                if verb:
                    negative += 2.0 * boost
                    hits.append(f"{token} … {verb}" if ahead[0] != verb else f"{token} {verb}")
                    i += ahead.index(verb) + 2
                    negator_at = -10
                    continue
                if token in lexicon.problem and not any(
                    lookup(lexicon, t) for t in _clause(tokens, i + 1, 3)
                ):
                    # "cannot adjust the volume": blocked, whatever the verb.
                    ahead = _clause(tokens, i + 1, 1)
                    negative += 1.0 * boost
                    hits.append(" ".join([token, *ahead]))
                    i += 1 + len(ahead)
                    continue
                negator_at, negator = i, token
                i += 1
                continue
            weight = lookup(lexicon, token)
            i += 1
            if not weight:
                continue
            if i - 1 - negator_at <= 3:
                # "not good" is bad; "not bad" is only mildly good.
                weight = -weight if weight > 0 else -weight / 2
                hits.append(f"{negator} {token}")
                negator_at = -10
            else:
                hits.append(token)
        if weight > 0:
            positive += weight * boost
        else:
            negative += -weight * boost
    return positive, negative, hits


def _clause(tokens: list[str], start: int, size: int) -> list[str]:
    """Up to `size` tokens from `start`, stopping at a clause boundary."""
    out = []
    for token in tokens[start : start + size]:
        if token == BOUNDARY:
            break
        out.append(token)
    return out


def _phrase(tokens: list[str], i: int, lexicon: Lexicon) -> tuple[float, int]:
    if not lexicon._starts:
        lexicon._starts.update(phrase.split()[0] for phrase in lexicon.phrases)
    if tokens[i] not in lexicon._starts:
        return 0.0, 0
    for size in (4, 3, 2):
        if i + size <= len(tokens):
            weight = lexicon.phrases.get(" ".join(tokens[i : i + size]))
            if weight is not None:
                return weight, size
    return 0.0, 0
