"""manage.py evaluate_categorizer [--user EMAIL] [--file labeled.csv [--map labels.csv]]
[--cold] [--json]"""

import csv
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from insights.classifier import WEIGHTS, Example, threshold
from insights.evaluation import evaluate, read_label_map, read_labeled, relabel
from insights.merchants import merchant_book
from ledger.models import Category, Transaction


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # works on a file with no database or secret
    help = (
        "Measure the categorizer: accuracy (of predictions at or above the threshold), "
        "coverage (share at or above it) and per-category precision/recall for each stage, "
        "by k-fold on a user's categorized history or on a labeled CSV file."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", help="email of the user whose history to use")
        parser.add_argument(
            "--file",
            type=Path,
            help="labeled CSV: payee, description (or narration), amount, category (or label)",
        )
        parser.add_argument(
            "--columns",
            default="",
            help="column names when they differ, e.g. description=details,category=label",
        )
        parser.add_argument(
            "--map",
            type=Path,
            help=(
                "with --file: a CSV of label,category mapping the file's labels to Billfold's "
                "category names, so the built-in merchant list (cold start) can be measured"
            ),
        )
        parser.add_argument("--cold", action="store_true", help="the built-in merchants only")
        parser.add_argument("--json", action="store_true", help="print {stage: figures} as JSON")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--threshold", type=float, default=None)

    def handle(self, *args, **opts) -> None:
        cutoff = opts["threshold"] if opts["threshold"] is not None else threshold()
        if bool(opts["user"]) == bool(opts["file"]):
            raise CommandError("Give either --user EMAIL or --file labeled.csv.")
        if opts["map"] and not opts["file"]:
            raise CommandError("--map goes with --file: it maps the file's labels.")
        skipped = 0
        if opts["file"]:
            if not opts["file"].exists():
                raise CommandError(f"No such file: {opts['file']}")
            columns = {}
            for pair in filter(None, opts["columns"].split(",")):
                key, _, value = pair.partition("=")
                columns[key.strip()] = value.strip()
            try:
                examples, skipped = read_labeled(opts["file"], columns)
                if opts["map"]:
                    if not opts["map"].exists():
                        raise CommandError(f"No such file: {opts['map']}")
                    examples = relabel(examples, read_label_map(opts["map"]))
            except (ValueError, UnicodeDecodeError, csv.Error) as exc:
                raise CommandError(f"Cannot read the file: {exc}") from exc
        else:
            user = get_user_model().objects.filter(email__iexact=opts["user"]).first()
            if user is None:
                raise CommandError(f"No user with the email {opts['user']}.")
            names = dict(Category.objects.for_user(user).values_list("pk", "name"))
            rows = (
                Transaction.objects.for_user(user)
                .filter(category__isnull=False, transfer__isnull=True)
                .values_list("payee", "description", "amount", "category_id", "categorized_by")
            )
            examples = [
                Example(p or "", d or "", a, names[c], WEIGHTS.get(by, 1.0))
                for p, d, a, c, by in rows.iterator()
            ]
        if len(examples) < 2:
            raise CommandError("Not enough categorized transactions to evaluate (at least 2).")
        reports = evaluate(
            examples,
            cutoff=cutoff,
            folds=opts["folds"],
            # A file's labels are its own, not Billfold's category names: unless --map
            # translates them, the merchant book is only measured alone (--cold).
            book=merchant_book() if (opts["cold"] or opts["user"] or opts["map"]) else None,
            cold_only=opts["cold"],
        )
        if opts["json"]:
            out = {name: r.summary() for name, r in reports.items()}
            self.stdout.write(json.dumps(out, indent=2))
            return
        self.stdout.write(
            f"{len(examples)} transactions, {len({e.label for e in examples})} categories"
            + (f", {skipped} rows skipped" if skipped else "")
            + f"; threshold {cutoff:g}"
            + ("; cold start only" if opts["cold"] else f"; {opts['folds']}-fold")
        )
        for name, report in reports.items():
            s = report.summary()
            self.stdout.write(
                f"\n{name}: accuracy {s['accuracy']:.1%} at coverage {s['coverage']:.1%} "
                f"(all predictions: {s['accuracy_all']:.1%})"
            )
            for cat, fig in report.categories().items():
                p = "-" if fig["precision"] is None else f"{fig['precision']:.0%}"
                r = "-" if fig["recall"] is None else f"{fig['recall']:.0%}"
                self.stdout.write(f"  {cat[:40]:40} precision {p:>5}  recall {r:>5}  n={fig['n']}")
