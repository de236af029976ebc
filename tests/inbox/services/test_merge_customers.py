import pytest
from django.core.exceptions import PermissionDenied

from care.errors import CareError
from care.models import AuditEvent
from inbox.models import Platform
from inbox.services.customers import merge_customers
from tests.factories import ConversationFactory, CustomerFactory, CustomerIdentityFactory

pytestmark = pytest.mark.django_db


def test_a_supervisor_merges_an_x_and_a_facebook_identity(supervisor):
    on_x = CustomerIdentityFactory.create(platform=Platform.X, handle="rina_k")
    on_facebook = CustomerIdentityFactory.create(platform=Platform.FACEBOOK, name="Rina K")
    conversation = ConversationFactory.create(customer=on_facebook.customer)
    source = on_facebook.customer
    target = merge_customers(source=source, target=on_x.customer, by=supervisor.user)
    assert set(target.identities.values_list("platform", flat=True)) == {"x", "facebook"}
    conversation.refresh_from_db()
    assert conversation.customer == target
    source.refresh_from_db()
    assert source.merged_into == target
    assert AuditEvent.objects.filter(verb="customers_merged", actor=supervisor.user).exists()


def test_an_agent_may_not_merge(agent):
    with pytest.raises(PermissionDenied):
        merge_customers(
            source=CustomerFactory.create(), target=CustomerFactory.create(), by=agent.user
        )


def test_a_customer_cannot_be_merged_into_themselves(supervisor):
    customer = CustomerFactory.create()
    with pytest.raises(CareError) as error:
        merge_customers(source=customer, target=customer, by=supervisor.user)
    assert error.value.code == "same_customer"


def test_an_already_merged_customer_is_refused(supervisor):
    source, target = CustomerFactory.create(), CustomerFactory.create()
    merge_customers(source=source, target=target, by=supervisor.user)
    with pytest.raises(CareError) as error:
        merge_customers(source=source, target=CustomerFactory.create(), by=supervisor.user)
    assert error.value.code == "already_merged"
