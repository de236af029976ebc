from inbox.models import Conversation
from inbox.triage import DEFAULT_WEIGHTS, score_priority
from inbox.triage.priority import HIGH, LOW, NORMAL, URGENT


def _score(**kwargs):
    args = {
        "intent": "other",
        "sentiment": "neutral",
        "followers": 0,
        "verified": False,
        "is_vip": False,
        "text": "",
        "age_minutes": 0,
    }
    return score_priority(**{**args, **kwargs})


def test_levels_are_the_conversation_priority_values():
    assert (LOW, NORMAL, HIGH, URGENT) == (
        Conversation.Priority.LOW,
        Conversation.Priority.NORMAL,
        Conversation.Priority.HIGH,
        Conversation.Priority.URGENT,
    )


def test_a_plain_message_is_normal():
    level, _, reasons = _score()
    assert level == NORMAL
    assert reasons == ["base 10"]


def test_spam_is_low():
    assert _score(intent="spam")[0] == LOW


def test_reasons_mention_each_factor():
    level, _, reasons = _score(
        intent="complaint",
        sentiment="negative",
        followers=120_000,
        verified=True,
        is_vip=True,
        text="Saya akan lapor ke YLKI dan pengacara saya",
        age_minutes=90,
    )
    text = " | ".join(reasons)
    assert "intent complaint +20" in text
    assert "negative sentiment +15" in text
    assert "reach 120,000 followers" in text
    assert "verified account +10" in text
    assert "VIP customer +30" in text
    assert "urgent words: ylki, pengacara +25" in text
    assert "waiting 1.5 h" in text
    assert level == URGENT


def test_an_urgent_word_makes_a_negative_complaint_urgent():
    level, _, reasons = _score(
        intent="complaint", sentiment="negative", text="charger meledak, bahaya!"
    )
    assert level == URGENT
    assert any("meledak" in r and "bahaya" in r for r in reasons)


def test_a_negative_complaint_turns_high_after_an_hour():
    assert _score(intent="complaint", sentiment="negative")[0] == NORMAL
    assert _score(intent="complaint", sentiment="negative", age_minutes=60)[0] == HIGH


def test_urgent_words_match_whole_words_only():
    _, _, reasons = _score(text="my firewall settings")
    assert not any("urgent" in r for r in reasons)


def test_reach_grows_per_tenfold_and_stops_at_its_cap():
    assert _score(followers=10_000)[1] == 10 + 5
    assert _score(followers=10**12)[1] == 10 + DEFAULT_WEIGHTS["reach_max"]


def test_weights_can_be_overridden():
    level, score, reasons = _score(is_vip=True, weights={"vip": 100})
    assert score == 110
    assert "VIP customer +100" in reasons
    assert level == URGENT
