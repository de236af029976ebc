"""Every UI string exists in English and Bahasa Indonesia."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"


def _untranslated(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def test_every_string_in_the_catalogue_is_translated():
    assert _untranslated(polib.pofile(str(PO))) == []


def test_no_ui_string_is_missing_from_the_catalogue(tmp_path):
    """Extract the strings afresh from a copy of the code: nothing new may be untranslated."""
    for name in ("care", "inbox", "responses", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "id", "--no-obsolete"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    fresh = polib.pofile(str(tmp_path / "locale" / "id" / "LC_MESSAGES" / "django.po"))
    missing = _untranslated(fresh)
    assert missing == [], f"translate these in {PO.relative_to(ROOT)}, then `make messages`"


def test_the_compiled_catalogue_is_up_to_date():
    po = polib.pofile(str(PO))
    mo = polib.mofile(str(PO.with_suffix(".mo")))
    assert {e.msgid: e.msgstr for e in po if not e.msgid_plural} == {
        e.msgid: e.msgstr for e in mo if not e.msgid_plural and e.msgid
    }


def test_gettext_answers_in_indonesian():
    with translation.override("id"):
        assert translation.gettext("Inbox") == "Kotak Masuk"


@pytest.mark.django_db
def test_the_language_switcher_turns_the_ui_indonesian(login, agent):
    client = login(agent)
    response = client.post(reverse("set_language"), {"language": "id", "next": "/inbox/"})
    assert response.status_code == 302
    body = client.get(reverse("inbox:list")).content.decode()
    assert "Kotak Masuk" in body and "Pengaturan" in body
    assert '<html lang="id">' in body


@pytest.mark.django_db
def test_the_login_page_can_be_switched_before_logging_in(client):
    client.post(reverse("set_language"), {"language": "id", "next": "/accounts/login/"})
    assert "Masuk ke care" in client.get(reverse("login")).content.decode()
