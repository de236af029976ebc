"""The reply box's tone check and "sound human" warnings: each one on a real English and
Indonesian reply, none on a good one, and the counter's answer carrying them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.models import Intent, Sentiment
from responses.models import Reply
from responses.services.tone import review_reply
from tests.factories import ChannelAccountFactory, ConversationFactory, CustomerFactory, make_agent

pytestmark = pytest.mark.django_db

GOOD = "Sorry to hear that, @budi. Could you DM us your order number? ^AB"
GOOD_ID = "Mohon maaf atas ketidaknyamanannya, kak @rina. Boleh DM nomor pesanannya? ^AB"


@pytest.fixture
def ab(db):
    return make_agent(display_name="Ayu Budiman", initials="AB")


@pytest.fixture
def question(db):
    return ConversationFactory.create(intent=Intent.QUESTION, sentiment=Sentiment.NEUTRAL)


@pytest.fixture
def complaint(db):
    return ConversationFactory.create(intent=Intent.COMPLAINT, sentiment=Sentiment.NEGATIVE)


def codes(text, conversation, agent, private=False):
    warnings = review_reply(text, conversation=conversation, agent=agent, private=private)
    return [warning.code for warning in warnings]


def _reply(conversation, agent, text, *, minutes_ago=0):
    return Reply.objects.create(
        conversation=conversation,
        author=agent,
        text=text,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


@pytest.mark.parametrize("text", [GOOD, GOOD_ID])
def test_a_good_reply_to_a_complaint_has_no_warnings(text, complaint, ab):
    assert codes(text, complaint, ab) == []


def test_an_empty_box_is_not_checked(complaint, ab, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert codes("  \n ", complaint, ab) == []


# --- Capitals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "WE ARE LOOKING INTO YOUR ORDER RIGHT NOW, PLEASE WAIT",
        "MOHON DITUNGGU KAK, PESANAN SEDANG KAMI CEK",
        "WE ARE SO SORRY",  # short words in a run of capitals are shouting, not acronyms
    ],
)
def test_mostly_capitals_reads_as_shouting(text, question, ab):
    assert codes(text, question, ab) == ["all_caps"]


@pytest.mark.parametrize(
    "text",
    [
        "Please DM us your OTP and the JNE AWB number, @BUDI_SANTOSO ^AB",
        "Cek di https://NUSANTARA.CO.ID/BANTUAN ya kak, lalu DM kami nomor COD-nya",
        "OK THX",  # fewer than 12 letters: too short to judge
    ],
)
def test_acronyms_handles_links_and_short_texts_are_not_shouting(text, question, ab):
    assert "all_caps" not in codes(text, question, ab)


# --- Punctuation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Your refund has been processed!!!",
        "Sudah dicoba restart belum?!?",
        "Did you check the cable???",
    ],
)
def test_three_or_more_marks_warn(text, question, ab):
    assert codes(text, question, ab) == ["repeated_punctuation"]


def test_one_or_two_marks_are_fine(question, ab):
    assert codes("Thanks for waiting! Is it working now?!", question, ab) == []


# --- Complaints -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Please DM us your order number and we'll check it.",
        "Silakan DM nomor pesanan kakak, nanti kami cek ya.",
    ],
)
def test_a_complaint_answered_without_acknowledging_it_warns(text, complaint, ab):
    warnings = review_reply(text, conversation=complaint, agent=ab, private=False)
    assert [w.code for w in warnings] == ["no_acknowledgement"]
    assert '"Sorry…", "Mohon maaf…"' in warnings[0].message


@pytest.mark.parametrize(
    ("intent", "sentiment"),
    [(Intent.COMPLAINT, Sentiment.NEUTRAL), (Intent.QUESTION, Sentiment.NEGATIVE)],
)
def test_either_a_complaint_or_a_negative_message_asks_for_acknowledgement(ab, intent, sentiment):
    conversation = ConversationFactory.create(intent=intent, sentiment=sentiment)
    assert codes("Please DM us your order number.", conversation, ab) == ["no_acknowledgement"]


@pytest.mark.parametrize(
    "text",
    [
        "We understand how frustrating this is. Please DM us your order number.",
        "Thank you for your patience, the parcel left our warehouse today.",
        "Terima kasih atas kesabarannya kak, paketnya sudah dikirim hari ini.",
        "Kami mengerti kak, boleh DM nomor pesanannya?",
        "Our apologies for the delay: the parcel left today.",
    ],
)
def test_empathy_in_either_language_acknowledges(text, complaint, ab):
    assert codes(text, complaint, ab) == []


def test_a_question_needs_no_apology(question, ab):
    assert codes("Please DM us your order number.", question, ab) == []


# --- Blame ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        (
            "Sorry, but as we said, you should have checked the size chart.",
            '"as we said", "you should have"',
        ),
        ("Sorry, that is your fault for choosing the wrong address.", '"your fault"'),
        ("Sorry, please CALM DOWN, we will look into it.", '"CALM DOWN"'),
        ("Maaf kak, itu kesalahan anda karena salah input alamat.", '"kesalahan anda"'),
        ("Mohon maaf, sudah kami bilang stoknya habis.", '"sudah kami bilang"'),
        ("Maaf kak, tenang saja dulu ya, sedang kami cek.", '"tenang saja dulu"'),
    ],
)
def test_blaming_the_customer_warns_and_names_the_words(text, phrase, complaint, ab):
    warnings = review_reply(text, conversation=complaint, agent=ab, private=False)
    assert [w.code for w in warnings] == ["blame"]
    assert warnings[0].message.startswith(f"{phrase} can sound like blaming the customer")


@pytest.mark.parametrize(
    "text",
    [
        "Sorry, this is not your fault at all.",
        "Sorry for the wait: you should have received a confirmation e-mail by now.",
        "Mohon maaf kak, ini bukan salah anda.",
        "Mohon maaf, seharusnya kakak sudah menerima SMS konfirmasi.",
        "Sorry about your faulty charger, we will send a new one today.",  # not "your fault"
        "Maaf kak, sudah dibilangin ke tim gudang ya.",  # "told the warehouse", not "told you"
    ],
)
def test_kind_or_everyday_wording_is_not_blame(text, complaint, ab):
    assert codes(text, complaint, ab) == []


# --- Sameness -------------------------------------------------------------------------------


TEMPLATE = "Thanks for reaching out! Please DM us your order number."


def test_the_same_wording_as_a_recent_team_reply_warns(question, ab):
    colleague = make_agent(initials="CD")
    _reply(ConversationFactory.create(), colleague, f"@rina {TEMPLATE} ^CD")
    # Case, spacing, handles and the signature do not make it different.
    text = "@budi  thanks for reaching out!\nPlease DM us your ORDER number. ^AB"
    assert codes(text, question, ab) == ["same_as_team"]
    assert codes(TEMPLATE + " Kak Budi.", question, ab) == []


def test_an_indonesian_template_pasted_twice_warns(question, ab):
    text = "Halo kak, mohon DM nomor pesanannya ya."
    _reply(ConversationFactory.create(), ab, text)
    assert codes(text, question, ab) == ["same_as_team"]


def test_a_reply_older_than_the_window_does_not_warn(question, ab, settings):
    settings.CARE_SAMENESS_WINDOW = 3
    _reply(ConversationFactory.create(), ab, TEMPLATE, minutes_ago=60)
    for minutes in (3, 2, 1):
        _reply(ConversationFactory.create(), ab, f"Something else {minutes}", minutes_ago=minutes)
    assert codes(TEMPLATE, question, ab) == []
    settings.CARE_SAMENESS_WINDOW = 4
    assert codes(TEMPLATE, question, ab) == ["same_as_team"]


@pytest.mark.parametrize(
    "text", [TEMPLATE, "Mohon maaf atas ketidaknyamanannya kak, kami cek dulu ya."]
)
def test_the_same_customer_getting_the_same_wording_again_warns(text, ab, settings):
    settings.CARE_SAMENESS_WINDOW = 1
    customer = CustomerFactory.create()
    account = ChannelAccountFactory.create()
    earlier = ConversationFactory.create(customer=customer, channel_account=account)
    _reply(earlier, ab, text, minutes_ago=60 * 24 * 30)
    _reply(ConversationFactory.create(), ab, "Something newer for someone else")
    now = ConversationFactory.create(customer=customer, channel_account=account)
    # Outside the team's window, but this customer already read it: only the customer's.
    assert codes(text, now, ab) == ["same_for_customer"]
    assert codes(text, ConversationFactory.create(), ab) == []


def test_a_reply_the_customer_got_recently_warns_once(ab):
    conversation = ConversationFactory.create()
    _reply(conversation, ab, TEMPLATE)
    assert codes(TEMPLATE, conversation, ab) == ["same_for_customer"]


def test_sameness_costs_two_queries(question, ab, django_assert_num_queries):
    _reply(ConversationFactory.create(), ab, "Something else")
    with django_assert_num_queries(2):
        assert codes(TEMPLATE, question, ab) == []


# --- The reply box's counter ----------------------------------------------------------------


def test_the_counter_answers_with_the_warnings(login, ab):
    conversation = ConversationFactory.create(
        channel_account=ChannelAccountFactory.create(), intent=Intent.COMPLAINT
    )
    url = reverse("inbox:reply-length", args=[conversation.pk])
    answer = login(ab).post(url, {"text": "CHECK YOUR EMAIL!!!", "private": "0"}).json()
    assert answer["left"] == 280 - len("CHECK YOUR EMAIL!!! ^AB")
    assert [w["code"] for w in answer["warnings"]] == [
        "all_caps",
        "repeated_punctuation",
        "no_acknowledgement",
    ]
    assert set(answer["warnings"][0]) == {"code", "message"}
    good = login(ab).post(url, {"text": GOOD, "private": "0"}).json()
    assert good["warnings"] == []
