from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from banking.connections import BankItem
from banking.crypto import DecryptionError, encrypt, rotate
from banking.providers import get_provider


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored bank access token with the newest key in "
        "FIELD_ENCRYPTION_KEYS (the first one); afterwards older keys can be removed."
    )

    def handle(self, *args, **options) -> None:
        count = remade = 0
        with transaction.atomic():  # all or nothing: a token no key opens changes nothing
            items = BankItem.objects.select_for_update().only(
                "pk", "provider", "item_id", "access_token_encrypted"
            )
            for item in items:
                try:
                    item.access_token_encrypted = rotate(item.access_token_encrypted)
                except DecryptionError:
                    # A demo bank token is no secret: it is made again instead.
                    token = get_provider(item.provider).recover_access_token(item_id=item.item_id)
                    if token is None:
                        raise CommandError(
                            f"Bank item {item.pk} was encrypted with a key that is no longer in "
                            "FIELD_ENCRYPTION_KEYS. Add that key back (after the newest one) and "
                            "run this again; nothing was changed."
                        ) from None
                    item.access_token_encrypted = encrypt(token)
                    remade += 1
                item.save(update_fields=["access_token_encrypted"])
                count += 1
        note = f" ({remade} demo bank tokens made again)" if remade else ""
        self.stdout.write(f"Re-encrypted {count} bank access tokens with the newest key{note}.")
