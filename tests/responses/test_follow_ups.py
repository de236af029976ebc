"""Follow-up after resolution: scheduled when a case is solved, posted by beat through the
outbox on the case's route (against the platform simulator), answered on a public survey
page; a low score or a customer reply reopens the case for the agent who solved it."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from care.models import AuditEvent
from inbox.models import Conversation, ConversationEvent, Message
from inbox.services.bulk import apply_bulk_action
from inbox.services.conversations import change_status, mark_spam
from inbox.services.polling import poll_channel
from responses.models import FollowUp, Reply, SurveyAnswer
from responses.selectors import survey_results
from responses.services.follow_ups import (
    schedule_follow_up,
    send_due_follow_ups,
    survey_token,
)
from responses.services.outbox import deliver_reply, send_reply
from responses.tasks import send_follow_ups_task
from tests.factories import ChannelAccountFactory, ConversationFactory, make_agent

pytestmark = pytest.mark.django_db

Status = Conversation.Status
SURVEY_LINK = re.compile(r"https?://\S+/survey/(\S+)/")


# --- a real case: a mention polled from the simulator, answered, resolved ------------------
def x_case(simulator, account, *, text="@NusantaraCares my laptop will not charge", who="5001"):
    mention = simulator.x.add_mention(text=text, author={"id": who, "name": "Rina Wijaya"})
    poll_channel(account_id=account.pk)
    return Message.objects.get(external_id=mention["id"]).conversation


def answer(conversation, agent, *, text="Sorry about that! A new charger is on its way.", **kw):
    reply = send_reply(
        conversation=conversation,
        by=agent,
        text=text,
        idempotency_key=uuid.uuid4(),
        confirmed=True,
        **kw,
    )
    assert deliver_reply(reply.pk) == "sent"
    return reply


def solved_case(simulator, account, agent, *, language="en", **kw):
    conversation = x_case(simulator, account, **kw)
    Conversation.objects.filter(pk=conversation.pk).update(language=language)
    conversation.refresh_from_db()
    answer(conversation, agent)
    conversation.refresh_from_db()
    return change_status(conversation=conversation, status=Status.RESOLVED, by=agent)


def due(follow_up: FollowUp):
    return follow_up.due_at + timedelta(minutes=1)


def reply_of(follow_up: FollowUp) -> Reply:
    """The follow-up's reply, as stored now."""
    follow_up.refresh_from_db()
    assert follow_up.reply is not None
    follow_up.reply.refresh_from_db()
    return follow_up.reply


def sent_follow_up(simulator, account, agent, **kw) -> tuple[FollowUp, str]:
    """A follow-up gone out on X, and the token of its survey link."""
    conversation = solved_case(simulator, account, agent, **kw)
    follow_up = FollowUp.objects.get(conversation=conversation)
    assert send_due_follow_ups(now=due(follow_up)) == 1
    assert deliver_reply(reply_of(follow_up).pk) == "sent"
    link = SURVEY_LINK.search(reply_of(follow_up).text)
    assert link is not None
    return follow_up, link.group(1)


def survey_path(token: str) -> str:
    return reverse("survey", args=[token])


GOOD = {"satisfaction": "5", "trust": "more", "comment": "Fast and friendly, thanks!"}
LOW = {"satisfaction": "2", "trust": "same", "comment": "Still not charging."}


# --- scheduling ---------------------------------------------------------------------------
def test_resolving_a_case_schedules_one_follow_up_for_the_solving_agent(
    simulator, x_account, agent, supervisor
):
    conversation = solved_case(simulator, x_account, agent)

    [follow_up] = FollowUp.objects.filter(conversation=conversation)
    assert follow_up.status == FollowUp.Status.SCHEDULED
    assert follow_up.agent == agent
    assert follow_up.resolved_at == conversation.resolved_at
    assert follow_up.due_at == conversation.resolved_at + timedelta(hours=24)
    # Closing the resolved case later is the same resolution: still one.
    change_status(conversation=conversation, status=Status.CLOSED, by=supervisor)
    assert FollowUp.objects.filter(conversation=conversation).count() == 1
    assert FollowUp.objects.get().agent == agent  # the holder, not the supervisor


def test_no_follow_up_when_switched_off(simulator, x_account, agent, settings):
    settings.CARE_FOLLOW_UP_HOURS = 0
    solved_case(simulator, x_account, agent)
    assert not FollowUp.objects.exists()


def test_no_follow_up_for_spam_or_a_case_we_never_answered(simulator, x_account, agent):
    spam = x_case(simulator, x_account, text="@NusantaraCares cheap followers here", who="5002")
    mark_spam(conversation=spam, by=agent)
    change_status(conversation=spam, status=Status.RESOLVED, by=agent)
    unanswered = x_case(simulator, x_account, text="@NusantaraCares never mind", who="5003")
    change_status(conversation=unanswered, status=Status.RESOLVED, by=agent)
    assert not FollowUp.objects.exists()


def test_no_follow_up_for_a_case_without_a_customer_message(agent):
    conversation = ConversationFactory.create(status=Status.RESOLVED, resolved_at=timezone.now())
    Reply.objects.create(conversation=conversation, author=agent, text="Hello", private=True)
    assert schedule_follow_up(conversation, agent=agent) is None


def test_bulk_resolve_schedules_follow_ups(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)
    answer(conversation, agent)
    apply_bulk_action(
        agent=agent, group=uuid.uuid4(), action="resolve", conversation_ids=[conversation.pk]
    )
    assert FollowUp.objects.get(conversation=conversation).agent == agent


# --- sending --------------------------------------------------------------------------------
def test_nothing_is_sent_before_it_is_due(simulator, x_account, agent):
    conversation = solved_case(simulator, x_account, agent)
    follow_up = FollowUp.objects.get(conversation=conversation)

    assert send_due_follow_ups(now=follow_up.due_at - timedelta(minutes=5)) == 0
    assert send_follow_ups_task() == 0  # beat's task, now: a day early
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.SCHEDULED
    assert not Reply.objects.filter(purpose=Reply.Purpose.FOLLOW_UP).exists()


def test_a_due_follow_up_is_posted_once_signed_with_the_survey_link(simulator, x_account, agent):
    conversation = solved_case(simulator, x_account, agent)
    follow_up = FollowUp.objects.get(conversation=conversation)

    assert send_due_follow_ups(now=due(follow_up)) == 1
    assert send_due_follow_ups(now=due(follow_up)) == 0  # already sent: never twice
    reply = reply_of(follow_up)
    assert follow_up.status == FollowUp.Status.SENT
    assert follow_up.sent_at is not None
    assert reply.purpose == Reply.Purpose.FOLLOW_UP
    assert reply.status == Reply.Status.QUEUED
    assert reply.author == agent
    assert not reply.private
    assert reply.text.startswith("Hi Rina,")

    assert deliver_reply(reply.pk) == "sent"
    [posted, _answer] = simulator.x.latest_brand_replies(2)
    assert posted["text"].endswith(f" ^{agent.initials}")
    link = f"{django_settings.CARE_PUBLIC_URL}/survey/"
    assert link in posted["text"]
    conversation.refresh_from_db()
    assert conversation.status == Status.RESOLVED  # asking does not reopen it


def test_the_follow_up_speaks_the_conversations_language(simulator, x_account, agent):
    conversation = solved_case(simulator, x_account, agent, language="id")
    follow_up = FollowUp.objects.get(conversation=conversation)
    send_due_follow_ups(now=due(follow_up))
    text = reply_of(follow_up).text
    assert text.startswith("Halo kak Rina,")
    assert "30 detik" in text


def test_a_case_served_by_dm_is_followed_up_by_dm(simulator, x_account, agent):
    conversation = x_case(simulator, x_account, who="5007")
    answer(conversation, agent, text="Could you send us the serial number here?", private=True)
    conversation.refresh_from_db()
    change_status(conversation=conversation, status=Status.RESOLVED, by=agent)
    follow_up = FollowUp.objects.get(conversation=conversation)

    send_due_follow_ups(now=due(follow_up))
    reply = reply_of(follow_up)
    assert reply.private
    assert reply.delivery == Reply.Delivery.DIRECT_MESSAGE
    assert deliver_reply(reply.pk) == "sent"


def test_a_case_reopened_before_it_is_due_gets_no_follow_up(simulator, x_account, agent):
    conversation = solved_case(simulator, x_account, agent)
    follow_up = FollowUp.objects.get(conversation=conversation)
    change_status(conversation=conversation, status=Status.OPEN, by=agent)

    assert send_due_follow_ups(now=due(follow_up)) == 0
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.CANCELLED
    assert not Reply.objects.filter(purpose=Reply.Purpose.FOLLOW_UP).exists()
    assert AuditEvent.objects.filter(verb="follow_up_cancelled", data__reason="reopened").exists()


def test_solved_again_the_new_resolution_gets_the_follow_up(simulator, x_account, agent):
    conversation = solved_case(simulator, x_account, agent)
    first = FollowUp.objects.get(conversation=conversation)
    change_status(conversation=conversation, status=Status.OPEN, by=agent)
    change_status(conversation=conversation, status=Status.RESOLVED, by=agent)

    first.refresh_from_db()
    assert first.status == FollowUp.Status.CANCELLED
    second = FollowUp.objects.get(status=FollowUp.Status.SCHEDULED)
    assert second.resolved_at == conversation.resolved_at


def test_a_follow_up_the_outbox_refuses_is_cancelled_with_the_reason(simulator, x_account, agent):
    conversation = solved_case(simulator, x_account, agent)
    follow_up = FollowUp.objects.get(conversation=conversation)
    # The customer deleted their post: nothing public is left to answer.
    Message.objects.filter(conversation=conversation, direction="inbound").update(
        deleted_at=timezone.now()
    )

    assert send_due_follow_ups(now=due(follow_up)) == 0
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.CANCELLED
    assert not Reply.objects.filter(purpose=Reply.Purpose.FOLLOW_UP).exists()
    cancelled = AuditEvent.objects.get(verb="follow_up_cancelled")
    assert cancelled.data["reason"] == "no_target"


def test_a_case_is_asked_once_even_when_solved_again(simulator, x_account, agent):
    follow_up, _token = sent_follow_up(simulator, x_account, agent)
    conversation = follow_up.conversation
    change_status(conversation=conversation, status=Status.OPEN, by=agent)
    change_status(conversation=conversation, status=Status.RESOLVED, by=agent)
    assert FollowUp.objects.filter(conversation=conversation).count() == 1


def test_beat_sends_the_follow_ups_every_five_minutes():
    entry = django_settings.CELERY_BEAT_SCHEDULE["send-follow-ups"]
    assert entry == {"task": "responses.tasks.send_follow_ups_task", "schedule": 300.0}


# --- the survey page --------------------------------------------------------------------------
def test_the_survey_opens_without_login_in_the_conversations_language(simulator, x_account, agent):
    _follow_up, token = sent_follow_up(simulator, x_account, agent, language="id")
    client = Client()

    page = client.get(survey_path(token))
    assert page.status_code == 200
    assert page["Content-Language"] == "id"
    html = page.content.decode()
    assert '<html lang="id">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert x_account.name in html
    assert 'href="?lang=en"' in html
    assert "mainnav" not in html  # not the agents' page

    english = client.get(survey_path(token) + "?lang=en")
    assert english["Content-Language"] == "en"
    assert "How satisfied are you" in english.content.decode()


def test_an_answer_is_kept_once_and_thanked(simulator, x_account, agent):
    follow_up, token = sent_follow_up(simulator, x_account, agent)
    client = Client(enforce_csrf_checks=True)
    client.get(survey_path(token))
    csrf = {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}

    page = client.post(survey_path(token), {**GOOD, **csrf})
    assert page.status_code == 200
    assert "Thank you!" in page.content.decode()
    answer_ = SurveyAnswer.objects.get(follow_up=follow_up)
    assert (answer_.satisfaction, answer_.trust) == (5, "more")
    assert answer_.comment == "Fast and friendly, thanks!"
    assert answer_.language == "en"
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.ANSWERED
    assert follow_up.conversation.status == Status.RESOLVED  # happy: stays solved

    again = client.post(survey_path(token), {**LOW, **csrf})
    assert "Thanks, we already have your answer." in again.content.decode()
    answer_.refresh_from_db()
    assert (answer_.satisfaction, answer_.trust) == (5, "more")
    assert SurveyAnswer.objects.count() == 1
    assert "already have your answer" in client.get(survey_path(token)).content.decode()


def test_an_expired_link_answers_410(simulator, x_account, agent):
    _follow_up, token = sent_follow_up(simulator, x_account, agent, language="id")
    with time_machine.travel(timezone.now() + timedelta(days=15), tick=False):
        page = Client().get(survey_path(token))
        post = Client().post(survey_path(token), GOOD)
    assert page.status_code == 410
    assert page["Content-Language"] == "id"  # still the customer's language
    assert post.status_code == 410
    assert not SurveyAnswer.objects.exists()


def test_a_tampered_link_answers_404(simulator, x_account, agent):
    _follow_up, token = sent_follow_up(simulator, x_account, agent)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    page = Client().get(survey_path(tampered))
    assert page.status_code == 404
    assert "This link is not valid." in page.content.decode()
    assert Client().get(survey_path("nonsense")).status_code == 404


def test_a_link_for_a_follow_up_never_sent_is_not_valid(simulator, x_account, agent):
    conversation = solved_case(simulator, x_account, agent)
    scheduled = FollowUp.objects.get(conversation=conversation)
    assert Client().get(survey_path(survey_token(scheduled))).status_code == 404


def test_invalid_answers_show_errors_and_keep_nothing(simulator, x_account, agent):
    follow_up, token = sent_follow_up(simulator, x_account, agent)
    page = Client().post(
        survey_path(token), {"satisfaction": "7", "trust": "maybe", "comment": "x" * 1001}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="error"') == 3
    assert not SurveyAnswer.objects.exists()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.SENT


# --- reopening --------------------------------------------------------------------------------
def test_a_low_score_reopens_the_case_for_the_same_agent(simulator, x_account, agent, supervisor):
    follow_up, token = sent_follow_up(simulator, x_account, agent)
    conversation = follow_up.conversation
    Conversation.objects.filter(pk=conversation.pk).update(assignee=None)  # nobody holds it

    page = Client().post(survey_path(token), LOW)
    assert "Thank you!" in page.content.decode()
    assert "will get back to you" in page.content.decode()
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.resolved_at is None
    assert conversation.assignee == agent
    event = ConversationEvent.objects.get(
        conversation=conversation, kind=ConversationEvent.Kind.REOPENED
    )
    assert event.data == {"reason": "survey", "satisfaction": 2, "trust": "same"}
    notification = agent.user.notifications.get(verb="survey_low_score")
    assert f"#{conversation.pk}" in notification.text
    assert notification.url.startswith(reverse("inbox:conversation", args=[conversation.pk]))
    assert AuditEvent.objects.filter(verb="conversation_reopened").exists()
    assert not supervisor.user.notifications.exists()


def test_trusting_the_brand_less_reopens_it_too(simulator, x_account, agent):
    follow_up, token = sent_follow_up(simulator, x_account, agent)
    Client().post(survey_path(token), {"satisfaction": "4", "trust": "less"})
    follow_up.conversation.refresh_from_db()
    assert follow_up.conversation.status == Status.OPEN


def test_a_customer_reply_to_the_follow_up_reopens_the_case_for_the_same_agent(
    simulator, x_account, agent
):
    """Ingest's own reopening: it keeps the assignee, so the same agent has the case."""
    follow_up, _token = sent_follow_up(simulator, x_account, agent)
    simulator.x.add_mention(
        text="@NusantaraCares still not charging :(",
        author={"id": "5001"},
        in_reply_to_tweet_id=reply_of(follow_up).platform_id,
    )
    poll_channel(account_id=x_account.pk)

    conversation = follow_up.conversation
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.assignee == agent
    assert Message.objects.filter(conversation=conversation, text__contains="still not").exists()


# --- what the team sees ---------------------------------------------------------------------
def test_the_answer_shows_in_the_conversation_thread(simulator, x_account, agent, login):
    follow_up, token = sent_follow_up(simulator, x_account, agent)
    Client().post(
        survey_path(token), {**GOOD, "satisfaction": "4", "comment": "<b>Great</b> service"}
    )
    page = login(agent).get(reverse("inbox:conversation", args=[follow_up.conversation_id]))
    html = page.content.decode()
    assert "Survey answer" in html
    assert "★★★★☆" in html
    assert "4/5 satisfied" in html
    assert "trusts the brand more" in html
    assert "&lt;b&gt;Great&lt;/b&gt; service" in html
    assert reply_of(follow_up).text[:25] in html  # the question itself, as a reply


def test_survey_results_count_rates_scores_and_trust(agent):
    other = make_agent(display_name="Budi Santoso", initials="BS")
    account = ChannelAccountFactory.create()
    elsewhere = ChannelAccountFactory.create()
    now = timezone.now()

    def follow_up(who, score=None, trust="same", *, on=account, posted=Reply.Status.SENT):
        conversation = ConversationFactory.create(channel_account=on)
        reply = Reply.objects.create(
            conversation=conversation,
            author=who,
            text="Is it solved?",
            purpose=Reply.Purpose.FOLLOW_UP,
            status=posted,
            platform_id="1" if posted == Reply.Status.SENT else "",
        )
        made = FollowUp.objects.create(
            conversation=conversation,
            agent=who,
            resolved_at=now - timedelta(days=2),
            due_at=now - timedelta(days=1),
            status=FollowUp.Status.ANSWERED if score else FollowUp.Status.SENT,
            sent_at=now - timedelta(days=1),
            reply=reply,
        )
        if score:
            SurveyAnswer.objects.create(follow_up=made, satisfaction=score, trust=trust)

    follow_up(agent, 5, "more")
    follow_up(agent, 4, "same")
    follow_up(agent, 1, "less")
    follow_up(agent)  # not answered
    follow_up(other, 2, "same")
    follow_up(other, posted=Reply.Status.FAILED)  # never reached the customer: not counted
    follow_up(other, 5, "more", on=elsewhere)

    since = now - timedelta(days=7)
    results = survey_results(since=since, until=now, channel=account)
    totals = results.totals
    assert (totals.sent, totals.answered) == (5, 4)
    assert totals.response_rate == 80.0
    assert totals.average_satisfaction == 3.0
    assert totals.csat == 50.0
    assert (totals.trust_more, totals.trust_same, totals.trust_less) == (1, 2, 1)
    by_agent = {row.agent: row.counts for row in results.per_agent}
    assert (by_agent[agent].sent, by_agent[agent].answered, by_agent[agent].csat) == (4, 3, 66.7)
    assert (by_agent[other].sent, by_agent[other].average_satisfaction) == (1, 2.0)

    everywhere = survey_results(since=since, until=now).totals
    assert (everywhere.sent, everywhere.answered) == (6, 5)
    empty = survey_results(since=now - timedelta(days=30), until=now - timedelta(days=8)).totals
    assert (empty.sent, empty.response_rate, empty.csat, empty.average_satisfaction) == (
        0,
        None,
        None,
        None,
    )
