import pytest

from inbox.triage import Label, TopicRule, Triage, classify
from inbox.triage import language as language_module
from inbox.triage.priority import NORMAL, URGENT


def test_it_classifies_an_indonesian_complaint_end_to_end():
    result = classify(
        "@TelcoKita min internet gak bisa konek dari pagi, kecewa parah. mau refund!",
        followers=50_000,
        topic_rules=[TopicRule("Refund", ["refund"])],
        age_minutes=30,
    )
    assert isinstance(result, Triage)
    assert result.language.value == "id"
    assert result.sentiment.value == "negative"
    assert result.intent.value == "complaint"
    assert [t.value for t in result.topics] == ["Refund"]
    assert result.priority == URGENT
    assert "urgent words: refund +25" in result.priority_reasons
    assert not result.failed
    assert all(label.why for label in (result.language, result.sentiment, result.intent))


def test_it_classifies_english_praise():
    result = classify("@AcmeAir the crew was amazing today, thank you!")
    assert (result.language.value, result.sentiment.value, result.intent.value) == (
        "en",
        "positive",
        "praise",
    )


@pytest.mark.parametrize("text", ["", "   ", "🙂", "@a @b https://t.co/x", "x" * 20_000])
def test_odd_texts_are_classified_without_error(text):
    assert not classify(text).failed


def test_it_never_raises_on_a_wrong_type():
    result = classify(None)  # type: ignore[arg-type]
    assert result.failed
    assert result.language == result.sentiment == result.intent
    assert result.intent.value == ""
    assert result.intent.why.startswith("classification failed: ")
    assert result.priority == NORMAL


def test_a_failing_step_keeps_the_labels_before_it(monkeypatch):
    def broken(text, language):
        raise RuntimeError("model file unreadable")

    monkeypatch.setattr("inbox.triage.classify_sentiment", broken)
    result = classify("How do I change my seat?")
    assert result.language.value == "en"
    assert result.sentiment == Label("", 0.0, result.error)
    assert result.error == "classification failed: RuntimeError: model file unreadable"


def test_a_broken_detector_does_not_raise(monkeypatch):
    def broken():
        raise OSError("out of memory")

    monkeypatch.setattr(language_module, "get_detector", broken)
    assert classify("hello there, my order is late").failed
