"""The trained sentiment model (Indonesian) and the rule that keeps English on the lexicon."""

import json

import pytest

from inbox.triage import classify_sentiment
from inbox.triage.sentiment import MODEL_PATHS, load_model


def test_no_model_derived_from_non_commercial_data_ships():
    """TWCS (CC BY-NC-SA) is for test and demo use: English sentiment stays the lexicon's."""
    assert not MODEL_PATHS["en"].exists()
    assert load_model("en") is None
    assert classify_sentiment("The app keeps crashing, I lost my booking", "en").why.startswith(
        "lexicon"
    )
    for path in MODEL_PATHS["en"].parent.glob("*.json"):
        licence = json.loads(path.read_text(encoding="utf-8"))["licence"]
        assert "NC" not in licence.split(), path


def test_each_model_is_read_once_per_process():
    assert load_model("id") is load_model("id")
    assert load_model("fr") is None


@pytest.mark.parametrize("language", ["id"])
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
