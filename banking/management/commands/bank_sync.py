import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from banking.connections import BankItem
from banking.services.sync import bank_accounts_map, bank_item_connect, bank_item_sync


class Command(BaseCommand):
    help = "Run one bank sync in the foreground (optionally connecting the demo bank first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, help="the user's email")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--item", type=int, help="the bank item id to sync")
        which.add_argument(
            "--connect-demo",
            action="store_true",
            help="connect the demo bank (new accounts for each of its accounts), then sync",
        )
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args, **options) -> None:
        try:
            user = User.objects.get(email__iexact=options["user"])
        except User.DoesNotExist:
            raise CommandError(f"No user with the email {options['user']}.") from None
        if options["connect_demo"]:
            item = BankItem.objects.for_user(user).filter(provider="demo").first()
            if item is None:
                item = bank_item_connect(user=user, provider_name="demo", public_token="demo")
                bank_accounts_map(
                    user=user, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()}
                )
        else:
            item = BankItem.objects.for_user(user).filter(pk=options["item"]).first()
            if item is None:
                raise CommandError(f"{user.email} has no bank item {options['item']}.")
        result = bank_item_sync(item_id=item.pk)
        data = {
            "item": item.pk,
            "added": result.added,
            "modified": result.modified,
            "removed": result.removed,
            "cursor_saved": result.cursor_saved,
        }
        if result.error:
            data["error"] = result.error
        if options["json"]:
            self.stdout.write(json.dumps(data))
        else:
            self.stdout.write(
                f"{item.institution_name}: {result.added} added, {result.modified} modified, "
                f"{result.removed} removed" + (f" — {result.error}" if result.error else "")
            )
        if result.error:
            raise CommandError(result.error)
