from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from banking.connections import BankItem
from banking.crypto import DecryptionError, rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored bank access token with the newest key in "
        "FIELD_ENCRYPTION_KEYS (the first one); afterwards older keys can be removed."
    )

    def handle(self, *args, **options) -> None:
        count = 0
        with transaction.atomic():  # all or nothing: a token no key opens changes nothing
            for item in BankItem.objects.select_for_update().only("pk", "access_token_encrypted"):
                try:
                    item.access_token_encrypted = rotate(item.access_token_encrypted)
                except DecryptionError:
                    raise CommandError(
                        f"Bank item {item.pk} was encrypted with a key that is no longer in "
                        "FIELD_ENCRYPTION_KEYS. Add that key back (after the newest one) and run "
                        "this again; nothing was changed."
                    ) from None
                item.save(update_fields=["access_token_encrypted"])
                count += 1
        self.stdout.write(f"Re-encrypted {count} bank access tokens with the newest key.")
