"""manage.py import_statement: import a statement file from a script, like the import page."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from banking.importers import CsvLayout, CsvMapping, ImportFileError
from banking.importers.dates import is_day_first, swap_day_month
from banking.services.imports import (
    DECISIONS,
    DEFAULT_DECISION,
    ImportFlowError,
    import_check,
    import_commit,
    import_discard,
    import_map_accounts,
    import_start,
)
from ledger.models import Account, AccountType


class Command(BaseCommand):
    help = (
        "Import a statement file (CSV, OFX/QFX, QIF, CAMT.053, MT940) into an account, with "
        "the same detection and built-in bank profiles as the import page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The statement file.")
        parser.add_argument("--user", required=True, help="The owner's email address.")
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--account", type=int, help="Id of one of the user's accounts.")
        target.add_argument("--new-account", metavar="NAME", help="Create an account.")
        parser.add_argument(
            "--account-map",
            action="append",
            metavar="KEY=ID",
            help=(
                "For a file with several accounts (OFX/QFX, QIF, CAMT, MT940): the id of the "
                "account each of the file's accounts goes into, or KEY=skip to leave one out. "
                "Repeat it for every account in the file; a run without it lists their keys."
            ),
        )
        parser.add_argument("--type", choices=AccountType.values, help="With --new-account.")
        parser.add_argument("--currency", help="With --new-account: ISO 4217 code.")
        parser.add_argument("--profile", default="", help="A saved or built-in profile name.")
        parser.add_argument("--dry-run", action="store_true", help="Show counts, save nothing.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument(
            "--date-order",
            choices=("dmy", "mdy"),
            help="Answer the date-order question when dates fit both orders.",
        )
        parser.add_argument(
            "--possible-duplicates",
            choices=DECISIONS,
            default=DEFAULT_DECISION,
            help="What to do with rows that look like existing transactions (default: skip).",
        )
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="Import the readable rows when some rows cannot be read.",
        )

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(email__iexact=options["user"]).first()
        if user is None:
            raise CommandError(f"No user with the email {options['user']}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if options.get("account_map") and options["new_account"] is not None:
            raise CommandError(
                "--account-map puts the file's accounts into existing accounts; it does not "
                "go with --new-account."
            )
        account_map = self._parse_account_map(user, options.get("account_map"))
        if options["account"] is None and options["new_account"] is None and account_map is None:
            raise CommandError(
                "Say where the rows go: --account ID, --new-account NAME, or --account-map "
                "KEY=ID for each account in the file."
            )
        account = new_account = None
        if options["account"] is not None:
            account = Account.objects.for_user(user).filter(pk=options["account"]).first()
            if account is None:
                raise CommandError(f"{user.email} has no account with id {options['account']}.")
        elif options["new_account"] is not None:
            if not options["type"] or not options["currency"]:
                raise CommandError("--new-account needs --type and --currency as well.")
            new_account = {
                "name": options["new_account"],
                "type": options["type"],
                "currency": options["currency"].upper(),
            }
        dry_run = options["dry_run"]
        try:
            with path.open("rb") as handle:
                batch = import_start(
                    user=user,
                    file=handle,
                    file_name=path.name,
                    account=account,
                    new_account=new_account,
                    profile=options["profile"],
                    auto_preview=False,
                )
        except (ImportFileError, ImportFlowError) as exc:
            raise CommandError(str(exc)) from exc
        try:
            if account_map is not None:
                self._map_accounts(batch, account_map)
            self._answer(batch, options)
            if dry_run:
                result = import_check(
                    batch=batch,
                    default_decision=options["possible_duplicates"],
                    collect=options["json"],
                )
            else:
                result = import_commit(
                    batch=batch,
                    default_decision=options["possible_duplicates"],
                    skip_errors=options["skip_bad_rows"],
                    background=False,
                    collect=options["json"],  # the row list is only printed as JSON
                )
        except (ImportFileError, ImportFlowError) as exc:
            self._forget(batch, new_account is not None)
            message = str(exc)
            if getattr(exc, "code", "") == "row_errors":
                message += " (--skip-bad-rows imports the readable rows.)"
            raise CommandError(message) from exc
        payload = self._payload(batch, result)
        if dry_run:
            payload["dry_run"] = True
            self._forget(batch, new_account is not None)
        if options["json"]:
            self.stdout.write(json.dumps(payload, indent=2))
        else:
            mapped = (batch.meta.get("account_map") or {}).values()
            targets = sorted({pk for pk in mapped if pk}) or [payload["account"]]
            self._print(payload, dry_run, targets)

    def _forget(self, batch, created_account: bool) -> None:
        """A dry run or a refused run leaves nothing behind: no batch, file or new account."""
        account_id = batch.account_id
        import_discard(batch=batch, forget=True)
        if created_account and account_id:
            Account.objects.filter(pk=account_id, transactions__isnull=True).delete()

    def _answer(self, batch, options) -> None:
        """Apply --date-order, or fail naming what is still ambiguous."""
        needs = batch.meta.get("needs") or []
        if not needs:
            return
        order = options.get("date_order")
        if batch.format == "csv" and order:
            layout = CsvLayout.from_dict(batch.meta["layout"])
            mapping = CsvMapping.from_dict(batch.meta["mapping"])
            fmt = mapping.date_format
            if is_day_first(fmt) != (order == "dmy"):
                fmt = swap_day_month(fmt)
            mapping.date_format = fmt
            layout.date_ambiguous = False
            batch.meta["needs"] = [n for n in needs if "order" not in n]
            batch.meta["mapping"] = mapping.to_dict()
            batch.save(update_fields=["meta"])
            needs = batch.meta["needs"]
        elif order and batch.meta.get("statement"):
            batch.meta["date_order"] = order
            batch.meta["needs"] = [n for n in needs if "order" not in n]
            batch.save(update_fields=["meta"])
            needs = batch.meta["needs"]
        if needs:
            if all("order" in n for n in needs):
                hint = (
                    " Answer with --date-order dmy (day first) or --date-order mdy (month first)."
                )
            elif batch.format == "csv":
                hint = (
                    " Map the columns once on the import page and save them as a profile, "
                    "then pass --profile NAME."
                )
            else:
                hint = " " + self._file_accounts(batch)
            raise ImportFlowError(
                "This file cannot be imported without answers: " + " ".join(needs) + hint
            )

    def _parse_account_map(self, user, entries: list[str] | None) -> dict[str, int | None] | None:
        """--account-map "KEY=ID" (or KEY=skip), repeated, as {key: account id or None}."""
        if not entries:
            return None
        account_map: dict[str, int | None] = {}
        for entry in entries:
            key, sep, value = entry.rpartition("=")
            key, value = key.strip(), value.strip()
            if not sep or not key or not (value.isdigit() or value.lower() == "skip"):
                raise CommandError(
                    f"--account-map {entry!r}: give KEY=ID (the id of one of your accounts) "
                    "or KEY=skip, where KEY is an account in the file."
                )
            if key in account_map:
                raise CommandError(f"--account-map names “{key}” twice.")
            account_map[key] = None if value.lower() == "skip" else int(value)
        wanted = {v for v in account_map.values() if v is not None}
        owned = set(
            Account.objects.for_user(user).filter(pk__in=wanted).values_list("pk", flat=True)
        )
        for pk in sorted(wanted - owned):
            raise CommandError(f"{user.email} has no account with id {pk}.")
        return account_map

    def _map_accounts(self, batch, account_map: dict[str, int | None]) -> None:
        """Apply --account-map once every account in the file is named in it."""
        accounts = (batch.meta.get("statement") or {}).get("accounts")
        if not accounts:
            raise ImportFlowError(
                "--account-map is for files with several accounts (OFX/QFX, QIF, CAMT, "
                "MT940); a CSV file goes into --account or --new-account."
            )
        keys = [a["key"] for a in accounts]
        unknown = [k for k in account_map if k not in keys]
        missing = [k for k in keys if k not in account_map]
        if unknown or missing:
            problems = []
            if unknown:
                problems.append(
                    "This file has no account " + ", ".join(f"“{k}”" for k in unknown) + "."
                )
            if missing:
                problems.append(
                    "--account-map does not say where "
                    + ", ".join(f"“{k}”" for k in missing)
                    + " goes."
                )
            raise ImportFlowError(" ".join(problems) + " " + self._file_accounts(batch))
        import_map_accounts(batch=batch, account_map=account_map)

    def _file_accounts(self, batch) -> str:
        """The accounts in the file, and how to map them, for an error message."""
        accounts = (batch.meta.get("statement") or {}).get("accounts") or []
        listed = ", ".join(
            f"“{a['key']}” ("
            + ", ".join(
                filter(
                    None,
                    [
                        a.get("currency"),
                        (a.get("type") or "").replace("_", " "),
                        f"{a['rows']} row{'s' if a['rows'] != 1 else ''}",
                    ],
                )
            )
            + ")"
            for a in accounts
        )
        example = " ".join(f'--account-map "{a["key"]}=ID"' for a in accounts)
        return (
            f"The file has {len(accounts)} account{'s' if len(accounts) != 1 else ''}: "
            f"{listed}. Say which of your accounts each goes into: {example} "
            "(KEY=skip leaves one out)."
        )

    def _payload(self, batch, result) -> dict:
        return {
            "account": batch.account_id,
            "format": batch.format,
            "profile": (batch.meta.get("profile") or {}).get("name", ""),
            "added": result.added if result.added or batch.committed_at else result.new,
            "duplicates": result.duplicates,
            "possible_duplicates": result.possible_duplicates,
            "errors": result.errors,
            "transactions": result.transactions or [],
        }

    def _print(self, payload: dict, dry_run: bool, targets: list[int]) -> None:
        verb = "Would add" if dry_run else "Added"
        profile = f", recognised as {payload['profile']}" if payload["profile"] else ""
        into = (
            f"accounts {', '.join(str(t) for t in targets)}"
            if len(targets) > 1
            else f"account {targets[0]}"
        )
        self.stdout.write(
            f"{payload['format'].upper()} file{profile} into {into}: "
            f"{verb} {payload['added']}, already imported {payload['duplicates']}, "
            f"possible duplicates {payload['possible_duplicates']}, "
            f"rows with errors {payload['errors']}."
        )
