"""factory_boy factories for the domain model."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from care import services
from care.models import Agent
from inbox.models import (
    ChannelAccount,
    Conversation,
    Customer,
    CustomerIdentity,
    Department,
    Message,
    Platform,
)
from inbox.search import appended

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


_letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def make_agent(role: str = Agent.Role.AGENT, **kwargs: Any) -> Agent:
    """An agent through the real service, so groups and permissions are the real ones."""
    n = Agent.objects.count() + get_user_model().objects.count()
    initials = kwargs.pop("initials", _letters[n % 26] + _letters[(n // 26) % 26] + "Q")
    username = kwargs.pop("username", f"{role}{n}")
    return services.create_agent(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        display_name=kwargs.pop("display_name", f"{role.title()} Person {n}"),
        initials=initials,
        role=role,
        **kwargs,
    )


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.Sequence(lambda n: f"department-{n}")


class ChannelAccountFactory(factory.django.DjangoModelFactory[ChannelAccount]):
    class Meta:
        model = ChannelAccount
        skip_postgeneration_save = True

    platform = Platform.X
    external_id = factory.Sequence(lambda n: str(1600000000000000000 + n))
    name = factory.Sequence(lambda n: f"BrandCares{n}")

    @factory.post_generation
    def agents(self, create: bool, extracted: list[Agent] | None, **kwargs: Any) -> None:
        """Like connect_channel: the whole team works it, unless a test names who does."""
        if create:
            self.agents.set(Agent.objects.all() if extracted is None else extracted)


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    display_name = factory.Sequence(lambda n: f"Customer {n}")


class CustomerIdentityFactory(factory.django.DjangoModelFactory[CustomerIdentity]):
    class Meta:
        model = CustomerIdentity

    customer = factory.SubFactory(CustomerFactory)
    platform = Platform.X
    external_id = factory.Sequence(lambda n: str(2244994945 + n))
    handle = factory.Sequence(lambda n: f"customer{n}")


class ConversationFactory(factory.django.DjangoModelFactory[Conversation]):
    class Meta:
        model = Conversation

    channel_account = factory.SubFactory(ChannelAccountFactory)
    customer = factory.SubFactory(CustomerFactory)


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    class Meta:
        model = Message
        skip_postgeneration_save = True

    conversation = factory.SubFactory(ConversationFactory)
    channel_account = factory.SelfAttribute("conversation.channel_account")
    direction = Message.Direction.INBOUND
    kind = Message.Kind.MENTION
    external_id = factory.Sequence(lambda n: str(1460323737035677698 + n))
    text = "My laptop will not charge"
    platform_created_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def searchable(obj: Message, create: bool, extracted: Any, **kwargs: Any) -> None:
        """As ingest does: the text joins its conversation's search document."""
        if not create:
            return
        conversation = obj.conversation
        conversation.search_text = appended(conversation.search_text, obj.text)
        type(conversation).objects.filter(pk=conversation.pk).update(
            search_text=conversation.search_text
        )
