"""The trained sentiment models (English and Indonesian) and what they may be made from."""

import json

import pytest

from inbox.triage import classify_sentiment
from inbox.triage.sentiment import MODEL_PATHS, load_model


def test_no_model_derived_from_non_commercial_data_ships():
    """TWCS (CC BY-NC-SA) is for test and demo use: the English model learned from care's
    own written examples, and no model file carries a non-commercial licence."""
    english = json.loads(MODEL_PATHS["en"].read_text(encoding="utf-8"))
    assert english["training"]["data"] == "bench/labels/sentiment_written_en.csv"
    assert "twcs" not in english["attribution"].lower()
    for path in MODEL_PATHS["en"].parent.glob("*.json"):
        licence = json.loads(path.read_text(encoding="utf-8"))["licence"]
        assert "NC" not in licence.split(), path


def test_english_is_read_by_its_model_with_the_lexicon_as_one_input():
    assert load_model("en") is not None
    crashing = classify_sentiment("The app keeps crashing, I lost my booking", "en")
    assert crashing.value == "negative"
    assert not crashing.why.startswith("lexicon")
    assert classify_sentiment("thank you so much, sorted now!", "en").value == "positive"
    assert classify_sentiment("do you ship to Canada?", "en").value == "neutral"
    # A calm report with no feeling words: the lexicon read it as neutral.
    assert classify_sentiment("my parcel says delivered but it is not here", "en").value == (
        "negative"
    )


def test_each_model_is_read_once_per_process():
    assert load_model("id") is load_model("id")
    assert load_model("fr") is None


@pytest.mark.parametrize("language", ["en", "id"])
def test_model_files_hold_short_features_and_their_licence(language):
    data = json.loads(MODEL_PATHS[language].read_text(encoding="utf-8"))
    assert data["licence"] and data["attribution"]
    assert data["training"]["min_docs"] >= 2
    for name, row in data["weights"].items():
        kind, _, feature = name.partition(":")
        assert kind in {"w", "n", "b", "c", "m", "lex"}
        assert len(feature.split()) <= 2  # words and word pairs, never a text
        assert len(row) == len(data["classes"])


@pytest.mark.parametrize("text", ["", "?!", "🙂🙂🙂", "not not not", "x" * 20_000])
def test_the_models_do_not_raise_on_odd_texts(text):
    for language in ("en", "id"):
        assert classify_sentiment(text, language).value in {"negative", "neutral", "positive"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I'm sending my notebook in for a hard drive replacement, is that ok?", "en"),
        ("my parcel says delivered but it is not here", "en"),
        ("saya sudah transfer tapi saldo saya belum masuk", "id"),
    ],
)
def test_the_why_names_words_an_agent_can_read_not_function_words(text, language):
    why = classify_sentiment(text, language).why
    assert why.startswith("model ")
    shown = why.partition(": ")[2].split(", ")
    for plain in ("i", "my", "in", "is", "saya", "sudah"):
        assert plain not in shown, why
