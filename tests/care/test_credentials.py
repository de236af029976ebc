"""Platform credentials are encrypted at rest and never shown again."""

import json

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.urls import reverse

from care import crypto
from inbox.models import ChannelAccount
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db

SECRET = "EAAB-very-secret-page-token"


def _stored_column(account: ChannelAccount) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials_ciphertext FROM inbox_channelaccount WHERE id = %s", [account.pk]
        )
        return cursor.fetchone()[0]


def test_credentials_are_encrypted_in_the_database():
    account = ChannelAccountFactory.create()
    account.set_credentials({"page_access_token": SECRET})
    account.save()
    stored = _stored_column(account)
    assert SECRET not in stored
    assert ChannelAccount.objects.get(pk=account.pk).credentials == {"page_access_token": SECRET}


def test_a_key_can_be_rotated(settings):
    account = ChannelAccountFactory.create()
    account.set_credentials({"token": SECRET})
    account.save()
    old_key = settings.CARE_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.CARE_ENCRYPTION_KEYS = [new_key, old_key]
    from django.core.management import call_command

    call_command("rotate_credentials")
    settings.CARE_ENCRYPTION_KEYS = [new_key]  # the old key is gone now
    assert ChannelAccount.objects.get(pk=account.pk).credentials == {"token": SECRET}


def test_a_wrong_key_says_so_instead_of_returning_garbage(settings):
    account = ChannelAccountFactory.create()
    account.set_credentials({"token": SECRET})
    account.save()
    settings.CARE_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.CredentialsUnreadable):
        _ = ChannelAccount.objects.get(pk=account.pk).credentials


def test_repr_and_str_never_contain_credentials():
    account = ChannelAccountFactory.create()
    account.set_credentials({"token": SECRET})
    assert SECRET not in repr(account)
    assert account.credentials_ciphertext not in repr(account)
    assert SECRET not in str(account)


def test_admin_pages_never_show_credentials(login, admin_agent):
    account = ChannelAccountFactory.create()
    account.set_credentials({"token": SECRET})
    account.save()
    client = login(admin_agent)
    for url in (
        reverse("admin:inbox_channelaccount_changelist"),
        reverse("admin:inbox_channelaccount_change", args=[account.pk]),
    ):
        body = client.get(url).content.decode()
        assert SECRET not in body
        assert account.credentials_ciphertext not in body


def test_admin_saves_new_credentials_write_only(login, admin_agent):
    account = ChannelAccountFactory.create(name="NusantaraCares")
    client = login(admin_agent)
    url = reverse("admin:inbox_channelaccount_change", args=[account.pk])
    response = client.post(
        url,
        {
            "platform": account.platform,
            "external_id": account.external_id,
            "name": account.name,
            "status": account.status,
            "new_credentials": json.dumps({"bearer_token": SECRET}),
        },
    )
    assert response.status_code == 302
    assert ChannelAccount.objects.get(pk=account.pk).credentials == {"bearer_token": SECRET}
    assert SECRET not in client.get(url).content.decode()


def test_admin_refuses_credentials_that_are_not_a_json_object(login, admin_agent):
    account = ChannelAccountFactory.create()
    client = login(admin_agent)
    response = client.post(
        reverse("admin:inbox_channelaccount_change", args=[account.pk]),
        {
            "platform": account.platform,
            "external_id": account.external_id,
            "name": account.name,
            "status": account.status,
            "new_credentials": "not json",
        },
    )
    assert response.status_code == 200
    assert "Credentials must be a JSON object." in response.content.decode()
    assert not ChannelAccount.objects.get(pk=account.pk).has_credentials


def test_channels_page_says_saved_but_hides_them(login, supervisor):
    account = ChannelAccountFactory.create()
    account.set_credentials({"token": SECRET})
    account.save()
    body = login(supervisor).get(reverse("settings:channels")).content.decode()
    assert account.name in body
    assert SECRET not in body
    assert "saved (hidden)" in body
