"""`manage.py export_corrections`: the agents' sentiment corrections become training data
that `bench/train_sentiment_*.py --add` reads (docs/triage.md, "Retraining")."""

from __future__ import annotations

import io
import stat
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from inbox.services import triage
from tests.factories import MessageFactory

# The training scripts' helpers live in bench/ (appended: never shadows a real module).
sys.path.append(str(Path(__file__).resolve().parents[2] / "bench"))

from sentiment_training import Provenance, with_corrections
from triage_corpus import Example, sentiment_file

pytestmark = pytest.mark.django_db

CALM_BILLING = 'Charged twice for March, "invoice 7731", please look, thanks'


def correct(text: str, language: str, before: str, after: str, agent) -> None:
    message = MessageFactory.create(text=text, language=language, sentiment=before)
    triage.correct_label(message=message, field="sentiment", value=after, by=agent)


def test_the_corrected_messages_of_one_language_become_a_training_file(agent, tmp_path):
    correct(CALM_BILLING, "en", "neutral", "negative", agent)
    correct("Paketnya sudah sampai, mantap", "id", "neutral", "positive", agent)
    # Corrected twice: the label the agents settled on counts, once.
    message = MessageFactory.create(text="ok it works now", language="en", sentiment="negative")
    triage.correct_label(message=message, field="sentiment", value="neutral", by=agent)
    triage.correct_label(message=message, field="sentiment", value="positive", by=agent)
    # Not training data: a message nobody corrected, and one whose intent was corrected.
    MessageFactory.create(text="where is my parcel", language="en", sentiment="negative")
    other = MessageFactory.create(text="hello?", language="en", sentiment="neutral")
    triage.correct_label(message=other, field="intent", value="other", by=agent)

    path = tmp_path / "corrections_en.csv"
    err = io.StringIO()
    call_command("export_corrections", "en", output=path, stderr=err)

    examples = sentiment_file(path)
    assert [(e.text, e.label) for e in examples] == [
        (CALM_BILLING, "negative"),  # commas and quotes survive the CSV
        ("ok it works now", "positive"),
    ]
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("# Sentiment of 2 en customer messages as corrected by agents")
    assert "1 negative, 1 positive" in header
    # Customers' words: readable by the file's owner only.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "bench/train_sentiment_en.py --add" in err.getvalue()


def test_without_output_the_file_goes_to_stdout_and_an_empty_export_says_none():
    out = io.StringIO()
    call_command("export_corrections", "id", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("# Sentiment of 0 id customer messages") and "(none)" in lines[0]
    assert lines[-1] == "text,sentiment"


def test_exporting_over_an_older_file_replaces_it_owner_only(agent, tmp_path):
    path = tmp_path / "corrections_en.csv"
    path.write_text("an older export, readable by all\n" * 50, encoding="utf-8")
    path.chmod(0o644)
    correct(CALM_BILLING, "en", "neutral", "negative", agent)

    call_command("export_corrections", "en", output=path, stderr=io.StringIO())

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [e.text for e in sentiment_file(path)] == [CALM_BILLING]


def test_an_unwritable_output_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_corrections", "en", output=tmp_path / "missing" / "x.csv")


def test_the_teams_label_wins_over_a_written_example_and_the_model_says_whose_words(tmp_path):
    path = tmp_path / "corrections_en.csv"
    path.write_text(
        "# exported\ntext,sentiment\nfine I guess,negative\nnew words here,positive\n",
        encoding="utf-8",
    )
    written = [Example("a", "fine I guess", "neutral"), Example("b", "great", "positive")]
    base = Provenance(
        about="m", attribution="Ours.", licence="ours", data="written.csv", held_out="-"
    )

    train, provenance = with_corrections(written, base, [path])

    assert sorted((e.text, e.label) for e in train) == [
        ("fine I guess", "negative"),
        ("great", "positive"),
        ("new words here", "positive"),
    ]
    assert "corrections_en.csv" in provenance.data and "2 texts" in provenance.data
    assert "customers' words" in provenance.licence
    assert with_corrections(written, base, []) == (written, base)


def test_a_training_file_with_an_unknown_label_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("# mine\ntext,sentiment\nfine,neutral\nmeh,furious\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"bad\.csv: line 4: sentiment 'furious' must be one of"):
        sentiment_file(path)
