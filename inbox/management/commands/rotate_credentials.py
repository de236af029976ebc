from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from care import crypto
from inbox.models import ChannelAccount


class Command(BaseCommand):
    help = "Re-encrypt every channel account's credentials with the first CARE_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        with transaction.atomic():
            for account in ChannelAccount.objects.select_for_update().exclude(
                credentials_ciphertext=""
            ):
                account.credentials_ciphertext = crypto.rotate(account.credentials_ciphertext)
                account.save(update_fields=["credentials_ciphertext"])
                rotated += 1
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted the credentials of {rotated} account(s).")
        )
