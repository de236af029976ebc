"""Saved replies: what a supervisor may save, how a wording is filled in for a customer,
which wording an agent gets next, what `;` finds first, and who may do what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from care.errors import CareError
from care.models import Agent
from inbox.models import Conversation, Platform
from responses.models import CannedResponse, CannedWordingUse
from responses.services.canned import (
    create_canned,
    pick_wording,
    record_wording_use,
    render_wording,
    search_canned,
    update_canned,
)
from tests.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    CustomerIdentityFactory,
    make_agent,
)

pytestmark = pytest.mark.django_db

SHIPPING = [
    "Hi {customer_name}, your parcel is late; {agent_first_name} is on it. Case #{case_number}.",
    "Sorry for the wait, {customer_name}: the courier is behind. Case #{case_number}.",
]


def _canned(title: str = "Shipping delay", language: str = "en", **kwargs) -> CannedResponse:
    kwargs.setdefault("wordings", SHIPPING)
    return create_canned(title=title, language=language, by=None, **kwargs)


def _conversation(name: str = "Rina Wijaya", language: str = "en") -> Conversation:
    return ConversationFactory.create(
        customer=CustomerFactory.create(display_name=name), language=language
    )


# --- Saving: what is refused -----------------------------------------------------------


def test_an_unknown_variable_is_refused_with_the_allowed_ones():
    with pytest.raises(CareError) as refused:
        _canned(wordings=["Hi {customer}, thanks!"])

    assert refused.value.code == "placeholder"
    assert "{customer}" in refused.value.message
    for allowed in ("{customer_name}", "{agent_first_name}", "{case_number}"):
        assert allowed in refused.value.message
    assert not CannedResponse.objects.exists()


def test_a_saved_reply_needs_a_wording_that_is_not_blank():
    with pytest.raises(CareError) as refused:
        _canned(wordings=["", "   \n"])

    assert refused.value.code == "no_wording"


def test_a_title_is_unique_per_language_in_any_case():
    _canned("Shipping delay")

    with pytest.raises(CareError) as refused:
        _canned("shipping  DELAY")

    assert refused.value.code == "duplicate"
    assert "already" in refused.value.message


def test_the_same_title_may_exist_in_each_language():
    _canned("Refund", "en")
    _canned("Refund", "id", wordings=["Halo {customer_name}, refund sedang diproses."])

    assert CannedResponse.objects.filter(title="Refund").count() == 2


def test_editing_replaces_the_wordings_in_their_new_order():
    canned = _canned()
    agent = make_agent()

    update_canned(
        canned=canned,
        title="Shipping delay",
        language="en",
        wordings=["A new first one, {customer_name}.", SHIPPING[0]],
        by=agent,
    )

    assert [w.text for w in canned.wordings.all()] == [
        "A new first one, {customer_name}.",
        SHIPPING[0],
    ]


# --- Filling in --------------------------------------------------------------------------


def test_a_wording_is_filled_in_for_the_customer_agent_and_case(agent):
    conversation = _conversation("Rina Wijaya")
    wording = _canned().wordings.all()[0]

    text = render_wording(wording, conversation=conversation, agent=agent)

    assert text == (
        f"Hi Rina Wijaya, your parcel is late; Alice is on it. Case #{conversation.pk}."
    )


def test_a_customer_without_a_name_is_called_by_their_handle(agent):
    customer = CustomerFactory.create(display_name="")
    CustomerIdentityFactory.create(customer=customer, platform=Platform.X, handle="rina_w")
    conversation = ConversationFactory.create(customer=customer)
    wording = _canned(wordings=["Hi {customer_name}!"]).wordings.get()

    assert render_wording(wording, conversation=conversation, agent=agent) == "Hi @rina_w!"


@pytest.mark.parametrize(("language", "expected"), [("en", "Hi there!"), ("id", "Hi Kak!")])
def test_a_customer_with_no_name_nor_handle_gets_a_neutral_word(agent, language, expected):
    conversation = ConversationFactory.create(customer=CustomerFactory.create(display_name=""))
    wording = _canned(language=language, wordings=["Hi {customer_name}!"]).wordings.get()

    text = render_wording(wording, conversation=conversation, agent=agent)

    assert text == expected
    assert "{" not in text


def test_braces_that_are_not_variables_stay_as_written(agent):
    wording = _canned(wordings=["Sorry :{ we fix it, {customer_name} {}"]).wordings.get()

    text = render_wording(wording, conversation=_conversation("Budi"), agent=agent)

    assert text == "Sorry :{ we fix it, Budi {}"


# --- Rotation ---------------------------------------------------------------------------


def test_each_agent_gets_the_wording_they_used_least_recently(agent):
    canned = _canned(wordings=["One {customer_name}", "Two", "Three"])
    bob = make_agent(display_name="Bob Agent", initials="BB")

    picked = []
    for _turn in range(4):
        wording = pick_wording(canned, agent=agent)
        assert wording is not None
        picked.append(wording.text)
        record_wording_use(wording=wording, agent=agent)

    assert picked == ["One {customer_name}", "Two", "Three", "One {customer_name}"]
    # Bob's rotation is his own: he starts at the first wording.
    assert pick_wording(canned, agent=bob).text == "One {customer_name}"  # type: ignore[union-attr]
    assert CannedWordingUse.objects.filter(agent=agent).count() == 3


def test_an_edit_keeps_the_rotation_of_the_wordings_it_did_not_change(agent):
    canned = _canned(wordings=["One", "Two"])
    record_wording_use(wording=canned.wordings.get(text="One"), agent=agent)

    update_canned(
        canned=canned,
        title=canned.title,
        language="en",
        wordings=["One", "Two, reworded"],
        by=agent,
    )

    assert pick_wording(canned, agent=agent).text == "Two, reworded"  # type: ignore[union-attr]


# --- Search -----------------------------------------------------------------------------


def test_search_puts_the_conversations_language_first():
    english = _canned("Shipping delay", "en", shortcut="ship")
    indonesian = _canned(
        "Pengiriman terlambat",
        "id",
        shortcut="ship kirim",
        wordings=["Halo {customer_name}, paketnya terlambat."],
    )

    assert search_canned("ship", language="id") == [indonesian, english]
    assert search_canned("ship", language="en") == [english, indonesian]


def test_search_finds_title_search_words_and_wording_text_in_any_case():
    by_title = _canned("Refund in progress", wordings=["Your money is on its way."])
    by_words = _canned("Order number", shortcut="dm", wordings=["Please DM us."])
    by_text = _canned("Thanks", wordings=["We REALLY appreciate it."])

    assert search_canned("REFUND") == [by_title]
    assert search_canned("Dm") == [by_words]
    assert search_canned("really") == [by_text]
    assert search_canned("") == [by_words, by_title, by_text]  # every one, by title


def test_search_ranks_a_title_match_before_a_match_inside_a_wording():
    inside = _canned("Apology", wordings=["Sorry, the shipping is late."])
    titled = _canned("Shipping delay")

    assert search_canned("ship") == [titled, inside]


def test_search_leaves_out_inactive_replies_and_stops_at_the_limit():
    _canned("Old shipping text", is_active=False)
    for n in range(10):
        _canned(f"Shipping {n}")

    found = search_canned("shipping")

    assert len(found) == 8
    assert all(c.is_active for c in found)


# --- Pages: Settings → Saved replies ----------------------------------------------------


def test_a_supervisor_adds_edits_and_deletes_a_saved_reply(login, supervisor):
    client = login(supervisor)

    response = client.post(
        reverse("responses:canned-new"),
        {
            "title": "Refund in progress",
            "language": "en",
            "shortcut": "refund",
            "wordings": "Hi {customer_name}, the refund is on its way.\n---\n"
            "Good news, {customer_name}: refund approved.\n",
            "is_active": "on",
        },
        follow=True,
    )
    canned = CannedResponse.objects.get()
    assert "Saved reply “Refund in progress” saved." in response.content.decode()
    assert canned.created_by == supervisor
    assert [w.text for w in canned.wordings.all()] == [
        "Hi {customer_name}, the refund is on its way.",
        "Good news, {customer_name}: refund approved.",
    ]

    edit = client.get(reverse("responses:canned-edit", args=[canned.pk])).content.decode()
    assert "the refund is on its way.\n---\nGood news" in edit
    client.post(
        reverse("responses:canned-edit", args=[canned.pk]),
        {"title": "Refund approved", "language": "en", "wordings": "Only one now."},
    )
    canned.refresh_from_db()
    assert canned.title == "Refund approved"
    assert not canned.is_active
    assert [w.text for w in canned.wordings.all()] == ["Only one now."]

    confirm = client.get(reverse("responses:canned-delete", args=[canned.pk]))
    assert "Delete “Refund approved”?" in confirm.content.decode()
    assert CannedResponse.objects.exists()  # asking is not deleting
    response = client.post(reverse("responses:canned-delete", args=[canned.pk]), follow=True)
    assert "Saved reply “Refund approved” deleted." in response.content.decode()
    assert not CannedResponse.objects.exists()


def test_the_form_shows_why_a_wording_is_refused(login, supervisor):
    response = login(supervisor).post(
        reverse("responses:canned-new"),
        {"title": "Hello", "language": "en", "wordings": "Hi {name}!"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Unknown variable {name}. The variables are {customer_name}" in body
    assert not CannedResponse.objects.exists()


def test_the_list_filters_by_language(login, supervisor):
    _canned("Shipping delay", "en")
    _canned("Pengiriman terlambat", "id", wordings=["Halo {customer_name}."])

    body = login(supervisor).get(reverse("responses:canned") + "?language=id").content.decode()

    assert "Pengiriman terlambat" in body
    assert "Shipping delay" not in body


def test_the_empty_list_says_what_to_add(login, supervisor):
    body = login(supervisor).get(reverse("responses:canned")).content.decode()

    assert "No saved replies yet" in body
    assert "Add the answers your team types every day" in body


def test_what_a_supervisor_wrote_is_escaped_on_the_pages(login, supervisor):
    canned = _canned("<script>alert(1)</script>", wordings=["<b>bold</b> {customer_name}"])
    client = login(supervisor)

    pages = [
        client.get(reverse("responses:canned")).content.decode(),
        client.get(reverse("responses:canned-delete", args=[canned.pk])).content.decode(),
    ]

    for body in pages:
        assert "<script>alert(1)" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in pages[1]


def test_the_settings_page_links_saved_replies_for_supervisors_only(login, supervisor, agent):
    assert "Saved replies" in login(supervisor).get(reverse("settings:index")).content.decode()
    assert "Saved replies" not in login(agent).get(reverse("settings:index")).content.decode()


@pytest.mark.parametrize("role", [Agent.Role.TRAINEE, Agent.Role.AGENT])
def test_trainees_and_agents_cannot_manage_saved_replies(login, role):
    canned = _canned()
    client = login(make_agent(role))

    urls = [
        reverse("responses:canned"),
        reverse("responses:canned-new"),
        reverse("responses:canned-edit", args=[canned.pk]),
        reverse("responses:canned-delete", args=[canned.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403
        assert (
            client.post(url, {"title": "x", "language": "en", "wordings": "x"}).status_code == 403
        )
    assert CannedResponse.objects.get().title == "Shipping delay"


# --- The `;` picker's search ------------------------------------------------------------


def _search(client, conversation: Conversation, q: str = ""):
    return client.get(reverse("responses:canned-search"), {"q": q, "conversation": conversation.pk})


def test_search_returns_replies_filled_in_for_the_conversation(login, agent):
    conversation = _conversation("Rina Wijaya", language="id")
    _canned("Shipping delay", "en", shortcut="ship")
    _canned(
        "Pengiriman terlambat",
        "id",
        shortcut="ship",
        wordings=["Halo {customer_name}, ^{agent_first_name} cek #{case_number}."],
    )

    response = _search(login(agent), conversation, "ship")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["title"], r["language"]) for r in results] == [
        ("Pengiriman terlambat", "id"),
        ("Shipping delay", "en"),
    ]
    assert results[0]["text"] == f"Halo Rina Wijaya, ^Alice cek #{conversation.pk}."
    assert set(results[0]) >= {"id", "title", "language", "text"}
    assert response.json()["status"] == "2 saved replies"


def test_search_is_not_found_for_an_agent_who_does_not_work_the_channel(login, agent):
    colleague = make_agent(display_name="Bob Agent", initials="BB")
    account = ChannelAccountFactory.create(agents=[colleague])
    conversation = ConversationFactory.create(channel_account=account)
    _canned()

    assert _search(login(agent), conversation, "ship").status_code == 404
    assert _search(login(colleague), conversation, "ship").status_code == 200


def test_search_needs_a_conversation(login, agent):
    response = login(agent).get(reverse("responses:canned-search"), {"q": "ship"})

    assert response.status_code == 404


def test_search_is_for_the_care_team_only(login, outsider):
    conversation = _conversation()

    assert _search(login(outsider), conversation).status_code == 403


def test_inserting_a_wording_gives_the_agent_the_next_one_after(login, agent):
    conversation = _conversation()
    _canned()
    client = login(agent)
    first = _search(client, conversation, "ship").json()["results"][0]

    assert client.post(first["used_url"]).status_code == 204

    again = _search(client, conversation, "ship").json()["results"][0]
    assert again["wording"] != first["wording"]
    assert again["text"].startswith("Sorry for the wait, Rina Wijaya")


def test_the_conversation_page_gives_the_reply_box_its_search_url(login, agent):
    conversation = _conversation()

    body = login(agent).get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()

    assert f'data-canned-url="/responses/canned/search?conversation={conversation.pk}"' in body
    assert "care/canned.js" in body
