from dataclasses import dataclass

from inbox.triage import TopicRule, match_topics, validate_pattern

REFUND = TopicRule("Refund", ["refund", "uang kembali"])


def test_a_phrase_matches_case_insensitively():
    labels = match_topics("I want a REFUND now", [REFUND])
    assert [label.value for label in labels] == ["Refund"]
    assert labels[0].why == "phrase: “REFUND”"


def test_a_phrase_matches_whole_words_only():
    assert match_topics("I was refunded yesterday", [REFUND]) == []


def test_a_multi_word_phrase_matches_across_extra_spaces():
    assert [t.value for t in match_topics("tolong uang  kembali saya", [REFUND])] == ["Refund"]


def test_a_pattern_matches_what_phrases_cannot_say():
    rule = TopicRule("Late parcel", [], r"paket\s+(?:belum|blm)\s+(?:sampai|sampe)")
    labels = match_topics("min paket blm sampe", [rule])
    assert [t.value for t in labels] == ["Late parcel"]
    assert labels[0].why.startswith("pattern: ")


def test_every_matching_rule_is_returned_in_order():
    rules = [TopicRule("Login", ["password"]), REFUND, TopicRule("Billing", ["tagihan"])]
    labels = match_topics("password reset failed, I want a refund", rules)
    assert [t.value for t in labels] == ["Login", "Refund"]


def test_any_object_with_the_rule_fields_works():
    @dataclass
    class StoredRule:
        name: str
        phrases: list[str]
        pattern: str | None

    assert match_topics("app crash", [StoredRule("App", ["crash"], None)])[0].value == "App"


def test_an_invalid_pattern_is_refused_with_a_reason():
    reason = validate_pattern("paket(belum")
    assert reason is not None
    assert "not a valid regular expression" in reason


def test_a_catastrophic_pattern_is_refused():
    reason = validate_pattern(r"(a+)+$")
    assert reason is not None
    assert "repeat" in reason


def test_a_nested_repeat_inside_a_non_capturing_group_is_refused():
    assert validate_pattern(r"(?:\w+\s?)*refund") is not None


def test_a_too_long_pattern_is_refused():
    reason = validate_pattern("a" * 201)
    assert reason == "The pattern is longer than 200 characters."


def test_a_pattern_matching_empty_text_is_refused():
    assert "empty" in (validate_pattern(r"\d*") or "")


def test_a_back_reference_is_refused():
    assert validate_pattern(r"(\w)\1") is not None


def test_a_sound_pattern_is_accepted():
    assert validate_pattern(r"paket\s+(?:belum|blm)\s+(?:sampai|sampe)") is None
    assert validate_pattern(r"[(+*]refund") is None


def test_a_refused_pattern_is_skipped_at_match_time():
    rule = TopicRule("Broken", ["refund"], "(a+)+$")
    assert match_topics("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", [rule]) == []
