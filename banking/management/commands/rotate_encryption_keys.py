from django.core.management.base import BaseCommand
from django.db import transaction

from banking.connections import BankItem
from banking.crypto import rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored bank access token with the newest key in "
        "FIELD_ENCRYPTION_KEYS (the first one); afterwards older keys can be removed."
    )

    def handle(self, *args, **options) -> None:
        count = 0
        with transaction.atomic():
            for item in BankItem.objects.select_for_update().only("pk", "access_token_encrypted"):
                item.access_token_encrypted = rotate(item.access_token_encrypted)
                item.save(update_fields=["access_token_encrypted"])
                count += 1
        self.stdout.write(f"Re-encrypted {count} bank access tokens with the newest key.")
