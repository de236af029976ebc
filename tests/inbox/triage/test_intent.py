import pytest

from inbox.triage import Label, classify_intent, classify_sentiment


def _intent(text, language="en"):
    return classify_intent(text, language, classify_sentiment(text, language))


NEUTRAL = Label("neutral", 1.0, "lexicon: no sentiment words")


def test_an_english_question():
    label = _intent("@AcmeAir how do I add a bag to my booking?")
    assert label.value == "question"
    assert "how" in label.why


def test_an_indonesian_question_without_a_question_mark():
    label = _intent("@TokoKita kapan promo akhir tahun mulai min", "id")
    assert label.value == "question"
    assert "kapan" in label.why


def test_a_problem_asked_as_a_question_is_a_complaint():
    label = _intent("@AcmeNet why is my internet down again?? this is ridiculous")
    assert label.value == "complaint"
    assert label.why.startswith("complaint: negative")


def test_an_indonesian_complaint():
    assert _intent("@TokoKita kok paket saya belum sampai, kecewa banget", "id").value == (
        "complaint"
    )


def test_a_complaint_cue_makes_a_complaint_without_sentiment_words():
    label = classify_intent("@AcmeShop I want a refund for order 1234", "en", NEUTRAL)
    assert label.value == "complaint"
    assert "refund" in label.why


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Halo min, aku ditagih biaya langganan padahal gak pernah daftar.", "ditagih"),
        ("Voucher diskon gk kepotong, total bayar tetep Rp 7.450.000.", "gk kepotong"),
        ("I was charged twice for order 5521", "charged twice"),
    ],
)
def test_calm_billing_problems_are_complaints(text, cue):
    # Calm reports the sentiment models read as neutral: the cue makes the case.
    label = classify_intent(text, "", NEUTRAL)
    assert label.value == "complaint"
    assert cue in label.why


def test_english_thanks_is_praise():
    assert _intent("@AcmeCare all sorted now, thank you!").value == "praise"


def test_indonesian_thanks_is_praise():
    label = _intent("@TokoKita makasih kak, udah beres", "id")
    assert label.value == "praise"


def test_feelings_addressed_to_no_one_are_other():
    label = _intent("hari ini sedih banget rasanya", "id")
    assert label.value == "other"


def test_follow_back_bait_with_links_is_spam():
    label = _intent(
        "follow back ya kak! giveaway saldo tiap hari https://t.co/aa1 https://t.co/bb2", "id"
    )
    assert label.value == "spam"
    assert "follow back" in label.why


def test_crypto_bait_is_spam():
    assert _intent("Free crypto airdrop, claim now https://t.co/xyz").value == "spam"


def test_a_promo_word_alone_is_not_spam():
    assert _intent("@AcmeShop is the sale still on?").value == "question"


def test_a_follow_up_without_cues_is_other():
    label = classify_intent("@AcmeCare DM sent.", "en", NEUTRAL)
    assert label.value == "other"
    assert label.why == "other: no rule matched"
