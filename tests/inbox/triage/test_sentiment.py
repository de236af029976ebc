import pytest

from inbox.triage import classify_sentiment
from inbox.triage.lexicon import ENGLISH
from inbox.triage.sentiment import _from_lexicon
from inbox.triage.text import tokenize


def english_lexicon(text):
    """The English word lists alone: what language "" uses, and the English model's
    `lex:` inputs (English text itself is scored by the model, test_sentiment_models.py)."""
    return _from_lexicon(tokenize(text), (ENGLISH,))


def test_english_praise_is_positive():
    label = english_lexicon("Great service, thank you so much!")
    assert label.value == "positive"
    assert label.why.startswith("lexicon: ")
    assert classify_sentiment("Great service, thank you so much!", "en").value == "positive"


def test_english_complaint_is_negative_and_says_which_words():
    label = english_lexicon("Worst airline ever, my bag is damaged")
    assert label.value == "negative"
    assert "worst" in label.why
    assert "damaged" in label.why
    assert classify_sentiment("Worst airline ever, my bag is damaged", "en").value == "negative"


def test_negation_flips_a_positive_english_word():
    assert english_lexicon("The new app is good").value == "positive"
    label = english_lexicon("The new app is not good")
    assert label.value == "negative"
    assert "not good" in label.why


def test_a_negated_broken_verb_is_a_problem_in_english():
    label = english_lexicon("my router is not working since this morning")
    assert label.value == "negative"
    assert "not working" in label.why
    assert classify_sentiment("my router is not working since this morning", "en").value == (
        "negative"
    )


def test_negation_stops_at_the_end_of_a_clause():
    assert english_lexicon("So far no, but thanks for checking in").value == "positive"


def test_thanks_does_not_hide_a_problem_after_but():
    assert english_lexicon("Thanks, but the app still crashes").value == "negative"
    assert classify_sentiment("Thanks, but the app still crashes", "en").value == "negative"


def test_a_plain_english_question_is_neutral():
    label = english_lexicon("Do you ship to Canada?")
    assert label.value == "neutral"
    assert label.why == "lexicon: no sentiment words"
    assert classify_sentiment("Do you ship to Canada?", "en").value == "neutral"


@pytest.mark.parametrize(
    "text",
    [
        "min kecewa parah, internetnya lemot terus",
        "aplikasinya gak bisa dibuka dari pagi",
        "paket saya belum sampai juga",
        "pelayanannya tidak ramah sama sekali",
    ],
)
def test_indonesian_complaints_in_chat_slang_are_negative(text):
    assert classify_sentiment(text, "id").value == "negative"


@pytest.mark.parametrize(
    "text", ["makasih kak, pelayanannya mantap!", "mantap min, cepat banget responnya"]
)
def test_indonesian_thanks_and_slang_praise_are_positive(text):
    assert classify_sentiment(text, "id").value == "positive"


def test_negation_flips_an_indonesian_word():
    assert classify_sentiment("makanannya enak", "id").value == "positive"
    assert classify_sentiment("makanannya nggak enak", "id").value == "negative"


def test_the_indonesian_model_says_why_with_a_probability():
    label = classify_sentiment("kecewa banget, jaringan lemot", "id")
    assert label.why.startswith("model ")
    assert "lemot" in label.why or "kecewa" in label.why
    assert 0.0 < label.score <= 1.0


def test_an_unknown_language_is_read_with_both_word_lists():
    assert classify_sentiment("makasih!", "").value == "positive"
    assert classify_sentiment("thanks!", "").value == "positive"


def test_other_languages_are_not_scored():
    label = classify_sentiment("Muy mal servicio", "other")
    assert label.value == "neutral"
    assert label.score == 0.0
    assert "not scored" in label.why
