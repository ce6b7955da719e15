from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.tokens import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="The user's email address.")
        parser.add_argument("--name", required=True, help="What the token is for.")

    def handle(self, *args, user: str, name: str, **options) -> None:
        owner = User.objects.filter(email__iexact=user.strip()).first()
        if owner is None:
            raise CommandError(f"No user has the email address {user!r}.")
        if not name.strip():
            raise CommandError("The token needs a name (--name).")
        token, secret = api_token_create(user=owner, name=name)
        self.stderr.write(
            f"Created token {token.name!r} ({token.prefix}…) for {owner.email}. "
            "It is shown only now; store it somewhere safe."
        )
        self.stdout.write(secret)
