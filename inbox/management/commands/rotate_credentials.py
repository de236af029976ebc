from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from care import crypto
from care.models import WebhookSubscription
from inbox.models import ChannelAccount


class Command(BaseCommand):
    help = (
        "Re-encrypt every channel account's credentials and every webhook's signing secret "
        "with the first CARE_ENCRYPTION_KEYS key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = secrets = 0
        with transaction.atomic():
            for account in ChannelAccount.objects.select_for_update().exclude(
                credentials_ciphertext=""
            ):
                account.credentials_ciphertext = crypto.rotate(account.credentials_ciphertext)
                account.save(update_fields=["credentials_ciphertext"])
                rotated += 1
            # Webhook secrets too: otherwise dropping the old key would break their signing.
            for subscription in WebhookSubscription.objects.select_for_update():
                subscription.secret_ciphertext = crypto.rotate(subscription.secret_ciphertext)
                subscription.save(update_fields=["secret_ciphertext"])
                secrets += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted the credentials of {rotated} account(s) "
                f"and the secrets of {secrets} webhook(s)."
            )
        )
