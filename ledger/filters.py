"""The one transaction filter, shared by the pages and the API so both accept the same URL.

    ?period=month|last-month|quarter|last-quarter|year|last-year|payday-month|last-payday-month
    &date_from=2025-01-01&date_to=2025-01-31      (inclusive; combine with period freely)
    &account=3&account=4    &category=12&category=uncategorized   &tag=5
    &kind=expense|income|transfer    &amount_min=10&amount_max=50   (on the size: |amount|)
    &status=pending|cleared   &source=manual|file|bank|recurring   &import_batch=7
    &q=coffee shop            (every word in payee, description or notes)
    &ordering=-date|date|-amount|amount|payee|-payee|account|-account

Build it with the request (the user scopes the choices):
    TransactionFilterSet(request.GET, queryset=Transaction.objects.for_user(user), request=request)
"""

import calendar
import datetime
import zoneinfo
from functools import partial

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_filters.fields import ModelMultipleChoiceField as FilterMultipleChoiceField

from ledger.forms.fields import MAX_ID, BoundedIdsMixin
from ledger.models import Account, Category, Source, Status, Tag, Transaction, TransactionSplit

PERIOD_CHOICES = [
    ("month", "This month"),
    ("last-month", "Last month"),
    ("quarter", "This quarter"),
    ("last-quarter", "Last quarter"),
    ("year", "This year"),
    ("last-year", "Last year"),
    ("payday-month", "This pay month"),
    ("last-payday-month", "Last pay month"),
]
KIND_CHOICES = [("expense", "Expenses"), ("income", "Income"), ("transfer", "Transfers")]
UNCATEGORIZED = "uncategorized"


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's length."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# Public name; `_add_months` stays because budgets and insights import it already.
add_months = _add_months


def period_bounds(
    period: str, *, today: datetime.date, month_start_day: int = 1
) -> tuple[datetime.date, datetime.date]:
    """(start, end) of a named period around `today`; `end` is exclusive.

    A "payday month" starts on the user's `month_start_day` (1-28): with 25, the pay month
    of 2025-03-10 runs from 2025-02-25 up to 2025-03-25.
    """
    first = today.replace(day=1)
    if period in ("month", "last-month"):
        start = first if period == "month" else _add_months(first, -1)
        return start, _add_months(start, 1)
    if period in ("quarter", "last-quarter"):
        start = first.replace(month=(first.month - 1) // 3 * 3 + 1)
        if period == "last-quarter":
            start = _add_months(start, -3)
        return start, _add_months(start, 3)
    if period in ("year", "last-year"):
        year = today.year if period == "year" else today.year - 1
        return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    if period in ("payday-month", "last-payday-month"):
        day = max(1, min(int(month_start_day or 1), 28))
        start = today.replace(day=day)
        if today.day < day:
            start = _add_months(start, -1)
        if period == "last-payday-month":
            start = _add_months(start, -1)
        return start, _add_months(start, 1)
    raise ValueError(f"Unknown period {period!r}.")


def user_today(user) -> tuple[datetime.date, int]:
    """Today in the user's timezone, and the day their month starts (payday)."""
    profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
    tz_name = getattr(profile, "timezone", "") or "UTC"
    try:
        tz = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    return timezone.localdate(timezone=tz), getattr(profile, "month_start_day", 1) or 1


def _accounts(request) -> QuerySet[Account]:
    return (
        Account.objects.for_user(getattr(request, "user", None))
        if request
        else Account.objects.none()
    )


def _tags(request) -> QuerySet[Tag]:
    return Tag.objects.for_user(getattr(request, "user", None)) if request else Tag.objects.none()


def _category_choices(user) -> list[tuple[str, str]]:
    categories = Category.objects.for_user(user).select_related("parent") if user else []
    return [(UNCATEGORIZED, "Uncategorized")] + [(str(c.pk), str(c)) for c in categories]


class _OwnedIdsField(BoundedIdsMixin, FilterMultipleChoiceField):
    pass


class OwnedMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Rows of the user's by id; an id too large to exist is a field error, not a crash."""

    field_class = _OwnedIdsField


def sort_with_ties(column: str) -> tuple[str, ...]:
    """`column` ("-" for descending), then date, then id, all the same way: rows with equal
    values keep one order, so neither a page break nor an API cursor skips or repeats one."""
    way = "-" if column.startswith("-") else ""
    then_date = () if column.lstrip("-") == "date" else (f"{way}date",)
    return (column, *then_date, f"{way}id")


class TransactionOrderingFilter(django_filters.OrderingFilter):
    """Sorts by the chosen column, then by date and id (`sort_with_ties`)."""

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        return qs.order_by(*ordering, *sort_with_ties(ordering[0])[1:])


class TransactionFilterSet(django_filters.FilterSet):
    period = django_filters.ChoiceFilter(
        choices=PERIOD_CHOICES, method="filter_period", label="Period"
    )
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="From")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="To")
    account = OwnedMultipleChoiceFilter(
        queryset=_accounts, method="filter_account", label="Account"
    )
    category = django_filters.MultipleChoiceFilter(
        choices=[], method="filter_category", label="Category"
    )
    tag = OwnedMultipleChoiceFilter(
        queryset=_tags, field_name="tags", method="filter_tag", label="Tag"
    )
    kind = django_filters.ChoiceFilter(choices=KIND_CHOICES, method="filter_kind", label="Kind")
    amount_min = django_filters.NumberFilter(method="filter_amount_min", label="Amount from")
    amount_max = django_filters.NumberFilter(method="filter_amount_max", label="Amount to")
    status = django_filters.ChoiceFilter(choices=Status.choices, label="Status")
    source = django_filters.ChoiceFilter(choices=Source.choices, label="Source")
    import_batch = django_filters.NumberFilter(
        field_name="import_batch_id",
        label="Import",
        min_value=1,
        max_value=MAX_ID,
        decimal_places=0,
    )
    q = django_filters.CharFilter(method="filter_q", label="Search")
    ordering = TransactionOrderingFilter(
        fields=(
            ("date", "date"),
            ("amount", "amount"),
            ("payee", "payee"),
            ("account__name", "account"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Transaction
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user or getattr(request, "user", None)
        self.filters["category"].extra["choices"] = partial(_category_choices, self.user)
        # A field built on the class's filters (the OpenAPI schema does that) is deep-copied
        # with stale choices; drop it so each request builds its own for its user.
        for filter_ in self.filters.values():
            filter_.__dict__.pop("_field", None)
        if request is None and user is not None:
            # Without a request (tasks, exports), scope the pickers through the user.
            self.request = type("UserRequest", (), {"user": user})()

    def filter_period(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return qs
        today, start_day = user_today(self.user)
        start, end = period_bounds(value, today=today, month_start_day=start_day)
        return qs.filter(date__gte=start, date__lt=end)

    def filter_account(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(account__in=value) if value else qs

    def filter_category(self, qs: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return qs
        ids = [int(v) for v in value if v != UNCATEGORIZED]
        condition = Q()
        if ids:
            in_split = TransactionSplit.objects.filter(transaction=OuterRef("pk")).filter(
                Q(category_id__in=ids) | Q(category__parent_id__in=ids)
            )
            condition |= (
                Q(category_id__in=ids) | Q(category__parent_id__in=ids) | Q(Exists(in_split))
            )
        if UNCATEGORIZED in value:
            any_split = TransactionSplit.objects.filter(transaction=OuterRef("pk"))
            condition |= Q(category__isnull=True, transfer__isnull=True) & ~Q(Exists(any_split))
        return qs.filter(condition)

    def filter_tag(self, qs: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return qs
        through = Transaction.tags.through
        tagged = through.objects.filter(transaction_id=OuterRef("pk"), tag__in=list(value))
        return qs.filter(Exists(tagged))

    def filter_kind(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value == "transfer":
            return qs.filter(transfer__isnull=False)
        if value == "income":
            return qs.filter(transfer__isnull=True, amount__gt=0)
        if value == "expense":
            return qs.filter(transfer__isnull=True, amount__lt=0)
        return qs

    def filter_amount_min(self, qs: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(Q(amount__gte=value) | Q(amount__lte=-value))

    def filter_amount_max(self, qs: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(amount__lte=value, amount__gte=-value)

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # icontains as is: on PostgreSQL the trigram index of ledger migration 0003 is built
        # on the very expressions Django writes for it (UPPER(col::text) LIKE ...).
        for word in value.split()[:10]:
            qs = qs.filter(
                Q(payee__icontains=word) | Q(description__icontains=word) | Q(notes__icontains=word)
            )
        return qs


# Widgets the pages can render directly: dates as date pickers.
for _name in ("date_from", "date_to"):
    TransactionFilterSet.base_filters[_name].extra["widget"] = forms.DateInput(
        attrs={"type": "date"}
    )
