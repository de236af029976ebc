"""The inbox list: views, filters, sort, search, counts, and who sees what."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inbox.models import Conversation, Platform, Tag
from tests.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    CustomerIdentityFactory,
    DepartmentFactory,
    MessageFactory,
)

pytestmark = pytest.mark.django_db
Status = Conversation.Status


def _ids(response) -> list[int]:
    return [row["id"] for row in response.context["conversations"]]


def test_open_conversations_are_listed_newest_activity_first(login, agent):
    now = timezone.now()
    older = ConversationFactory.create(last_activity_at=now - timedelta(hours=2))
    newer = ConversationFactory.create(last_activity_at=now, assignee=agent)
    ConversationFactory.create(status=Status.RESOLVED)
    response = login(agent).get(reverse("inbox:list"))
    assert _ids(response) == [newer.pk, older.pk]
    body = response.content.decode()
    assert "^AA" in body  # the assignee's initials


def test_each_row_shows_the_latest_message_and_the_customer_handle(login, agent):
    message = MessageFactory.create(text="first")
    conversation = message.conversation
    CustomerIdentityFactory.create(customer=conversation.customer, handle="rina_w")
    conversation.preview = "My charger broke again"
    conversation.save()
    body = login(agent).get(reverse("inbox:list")).content.decode()
    assert "My charger broke again" in body
    assert "@rina_w" in body
    assert f'href="/inbox/{conversation.pk}/"' in body


def test_views_split_the_work(login, agent, supervisor):
    mine = ConversationFactory.create(status=Status.OPEN, assignee=agent)
    unassigned = ConversationFactory.create(status=Status.NEW)
    theirs = ConversationFactory.create(status=Status.OPEN, assignee=supervisor)
    waiting = ConversationFactory.create(status=Status.WAITING_ON_CUSTOMER)
    escalated = ConversationFactory.create(status=Status.ESCALATED)
    resolved = ConversationFactory.create(status=Status.RESOLVED)
    closed = ConversationFactory.create(status=Status.CLOSED)
    client = login(agent)

    def view(name: str) -> set[int]:
        return set(_ids(client.get(reverse("inbox:list"), {"view": name})))

    assert view("mine") == {mine.pk}
    assert view("unassigned") == {unassigned.pk}
    assert view("all") == {mine.pk, unassigned.pk, theirs.pk, waiting.pk, escalated.pk}
    assert view("waiting") == {waiting.pk}
    assert view("escalated") == {escalated.pk}
    assert view("resolved") == {resolved.pk, closed.pk}
    counts = client.get(reverse("inbox:list")).context["counts"]
    assert counts == {
        "mine": 1,
        "unassigned": 1,
        "all": 5,
        "waiting": 1,
        "escalated": 1,
        "resolved": 2,
    }


def test_filters_combine_and_live_in_the_url(login, agent):
    x = ChannelAccountFactory.create(platform=Platform.X)
    fb = ChannelAccountFactory.create(platform=Platform.FACEBOOK)
    billing = DepartmentFactory.create()
    battery = Tag.objects.create(name="battery")
    hit = ConversationFactory.create(
        channel_account=fb, language="id", priority=30, department=billing
    )
    hit.tags.add(battery)
    ConversationFactory.create(channel_account=x, language="id", priority=30)  # other channel
    ConversationFactory.create(channel_account=fb, language="en", priority=30)  # other language
    ConversationFactory.create(channel_account=fb, language="id", priority=20)  # other priority
    params = {
        "channel": fb.pk,
        "language": "id",
        "priority": 30,
        "tag": "battery",
        "department": billing.pk,
    }
    response = login(agent).get(reverse("inbox:list"), params)
    assert _ids(response) == [hit.pk]
    assert f"channel={fb.pk}" in response.context["query"].params()


def test_a_date_filter_keeps_conversations_active_in_that_range(login, agent):
    now = timezone.now()
    recent = ConversationFactory.create(last_activity_at=now)
    ConversationFactory.create(last_activity_at=now - timedelta(days=10))
    since = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert _ids(login(agent).get(reverse("inbox:list"), {"since": since})) == [recent.pk]


def test_a_malformed_filter_is_ignored_not_an_error(login, agent):
    ConversationFactory.create()
    response = login(agent).get(
        reverse("inbox:list"),
        {"since": "yesterday", "priority": "high", "view": "<b>", "sort": "drop table"},
    )
    assert response.status_code == 200
    assert len(_ids(response)) == 1


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("activity", ["b", "a", "c"]), ("age", ["a", "b", "c"]), ("priority", ["c", "b", "a"])],
)
def test_sort_orders(login, agent, sort, expected):
    now = timezone.now()
    made = {
        "a": ConversationFactory.create(
            opened_at=now - timedelta(days=3), last_activity_at=now - timedelta(hours=1)
        ),
        "b": ConversationFactory.create(
            opened_at=now - timedelta(days=2), last_activity_at=now, priority=20
        ),
        "c": ConversationFactory.create(
            opened_at=now - timedelta(days=1),
            last_activity_at=now - timedelta(hours=2),
            priority=40,
        ),
    }
    made["a"].priority = 10
    made["a"].save()
    ids = _ids(login(agent).get(reverse("inbox:list"), {"sort": sort}))
    assert ids == [made[k].pk for k in expected]


def test_sort_by_answer_due_puts_the_most_overdue_first(login, agent):
    now = timezone.now()
    later = ConversationFactory.create(response_due_at=now + timedelta(minutes=30))
    overdue = ConversationFactory.create(response_due_at=now - timedelta(minutes=5))
    ids = _ids(login(agent).get(reverse("inbox:list"), {"sort": "due"}))
    assert ids[:2] == [overdue.pk, later.pk]


def test_search_finds_words_in_messages(login, agent):
    hit = MessageFactory.create(text="Baterai laptop saya cepat habis").conversation
    MessageFactory.create(text="Where is my parcel?")
    assert _ids(login(agent).get(reverse("inbox:list"), {"q": "baterai"})) == [hit.pk]


def test_search_finds_a_customer_by_handle(login, agent):
    conversation = ConversationFactory.create()
    CustomerIdentityFactory.create(customer=conversation.customer, handle="dewi_s")
    ConversationFactory.create()
    assert _ids(login(agent).get(reverse("inbox:list"), {"q": "@Dewi_S"})) == [conversation.pk]


@pytest.mark.postgres
def test_search_on_postgres_takes_phrases_and_exclusions(login, agent):
    both = MessageFactory.create(text="the battery is swollen and hot").conversation
    MessageFactory.create(text="battery fine, screen is hot")
    client = login(agent)
    assert _ids(client.get(reverse("inbox:list"), {"q": '"battery is swollen"'})) == [both.pk]
    found = _ids(client.get(reverse("inbox:list"), {"q": "battery -screen"}))
    assert found == [both.pk]


def test_an_empty_search_result_offers_to_clear_it(login, agent):
    MessageFactory.create(text="hello")
    body = login(agent).get(reverse("inbox:list"), {"q": "zebra"}).content.decode()
    assert "Nothing matches" in body
    assert "Clear search and filters" in body


def test_an_agent_sees_only_the_channels_they_work(login, agent, supervisor):
    mine = ConversationFactory.create(channel_account=ChannelAccountFactory.create())
    other = ConversationFactory.create(
        channel_account=ChannelAccountFactory.create(agents=[supervisor])
    )
    assert _ids(login(agent).get(reverse("inbox:list"))) == [mine.pk] or set(
        _ids(login(agent).get(reverse("inbox:list")))
    ) == {mine.pk}
    assert login(agent).get(reverse("inbox:list")).context["counts"]["all"] == 1
    # Supervisors see every channel.
    assert set(_ids(login(supervisor).get(reverse("inbox:list")))) == {mine.pk, other.pk}


def test_search_does_not_reach_into_channels_the_agent_does_not_work(login, agent):
    MessageFactory.create(
        text="secret battery",
        conversation__channel_account=ChannelAccountFactory.create(agents=[]),
    )
    assert _ids(login(agent).get(reverse("inbox:list"), {"q": "battery"})) == []


def test_customer_names_are_shown_as_text_not_html(login, agent):
    conversation = ConversationFactory.create(
        customer=CustomerFactory.create(display_name="<script>alert('x')</script>"),
        preview="<img src=x onerror=alert(1)>",
    )
    body = login(agent).get(reverse("inbox:list")).content.decode()
    assert "<script>alert('x')</script>" not in body
    assert "<img src=x onerror" not in body
    assert "&lt;script&gt;" in body
    assert conversation.pk in _ids(login(agent).get(reverse("inbox:list")))


def test_outsiders_and_anonymous_users_get_no_inbox(client, login, outsider):
    assert client.get(reverse("inbox:list")).status_code == 302  # to the login page
    assert login(outsider).get(reverse("inbox:list")).status_code == 403


def test_the_list_costs_the_same_queries_for_one_row_or_fifty(login, agent):
    def queries() -> int:
        client = login(agent)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("inbox:list")).status_code == 200
        return len(captured)

    MessageFactory.create()
    one = queries()
    for _ in range(49):
        conversation = MessageFactory.create().conversation
        conversation.tags.add(Tag.objects.get_or_create(name="billing")[0])
        CustomerIdentityFactory.create(customer=conversation.customer)
    assert queries() == one


def test_empty_inbox_without_channels_points_supervisors_to_channels(login, supervisor):
    body = login(supervisor).get(reverse("inbox:list")).content.decode()
    assert "No channel is connected yet" in body
    assert reverse("settings:channels") in body


def test_empty_inbox_with_channels_says_all_is_answered(login, agent):
    ChannelAccountFactory.create()
    body = login(agent).get(reverse("inbox:list")).content.decode()
    assert "No open conversations." in body
    assert reverse("settings:channels") not in body


def test_an_empty_mine_view_says_how_to_get_work(login, agent):
    ChannelAccountFactory.create()
    body = login(agent).get(reverse("inbox:list"), {"view": "mine"}).content.decode()
    assert "Nothing assigned to you" in body
    assert "?view=unassigned" in body


def test_a_phone_facebook_identity_is_shown_for_a_facebook_case(login, agent):
    fb = ChannelAccountFactory.create(platform=Platform.FACEBOOK)
    conversation = ConversationFactory.create(channel_account=fb)
    CustomerIdentityFactory.create(customer=conversation.customer, handle="on_x")
    CustomerIdentityFactory.create(
        customer=conversation.customer, platform=Platform.FACEBOOK, handle="", name="Rina W"
    )
    response = login(agent).get(reverse("inbox:list"))
    # The Facebook identity (a name, no handle), not the customer's X handle.
    assert response.context["conversations"][0]["handle"] == ""
    assert "@on_x" not in response.content.decode()


def test_a_large_resolved_archive_is_counted_up_to_a_cap(login, agent, monkeypatch):
    from inbox import selectors

    monkeypatch.setattr(selectors, "RESOLVED_COUNT_CAP", 2)
    for _ in range(3):
        ConversationFactory.create(status=Status.RESOLVED)
    ConversationFactory.create(status=Status.OPEN)
    counts = login(agent).get(reverse("inbox:list")).context["counts"]
    assert counts["resolved"] == "2+"
    assert counts["all"] == 1
