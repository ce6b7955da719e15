"""Operators' read-only view of categorization and the LLM: request records (failures and the
daily cap) and the stored learned classifiers.

Only what running the service needs is shown. Prompts are never stored; the trained model
(it holds the user's payee names) and an AI summary's text (a reading of their money) are left
out, and each change list joins its user so it runs the same queries for 5 rows or 500.
"""

from django.conf import settings
from django.contrib import admin
from django.db.models import F, QuerySet
from django.db.models.functions import Length
from django.http import HttpRequest

from insights.models import ClassifierState, LlmRun, LlmUsage
from insights.summaries import MonthlySummary


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the app itself: to look at, never to edit."""

    list_select_related = ("user",)
    search_fields = ("user__email",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(LlmRun)
class LlmRunAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "user",
        "status",
        "model_name",
        "transactions",
        "categorized",
        "suggested",
        "rejected",
        "attempts",
        "short_error",
    )
    list_filter = ("status", "model_name", "created_at")
    search_fields = ("user__email", "model_name", "error")
    date_hierarchy = "created_at"
    fields = (
        "user",
        "created_at",
        "status",
        "model_name",
        "transactions",
        "categorized",
        "suggested",
        "rejected",
        "attempts",
        "error",
    )
    show_full_result_count = False  # one row per request: no COUNT(*) over all of them

    @admin.display(description="error or note")
    def short_error(self, run: LlmRun) -> str:
        return run.error if len(run.error) <= 120 else run.error[:119] + "…"


class CapFilter(admin.SimpleListFilter):
    title = "daily cap"
    parameter_name = "cap"

    def lookups(self, request, model_admin):
        return [("reached", "Reached"), ("below", "Below")]

    def queryset(self, request, queryset):
        cap = settings.LLM_DAILY_REQUEST_CAP
        if self.value() == "reached":
            return queryset.filter(requests__gte=cap)
        if self.value() == "below":
            return queryset.filter(requests__lt=cap)
        return queryset


@admin.register(LlmUsage)
class LlmUsageAdmin(ReadOnlyAdmin):
    list_display = ("day", "user", "requests", "failures", "cap_use")
    list_filter = (CapFilter, "day")
    date_hierarchy = "day"
    ordering = ("-day", "user__email")
    fields = ("user", "day", "requests", "failures", "cap_use")
    readonly_fields = ("cap_use",)

    @admin.display(description="cap use", ordering="requests")
    def cap_use(self, usage: LlmUsage) -> str:
        cap = settings.LLM_DAILY_REQUEST_CAP
        share = f" ({usage.requests / cap:.0%})" if cap else ""
        return f"{usage.requests} of {cap}{share}"


@admin.register(ClassifierState)
class ClassifierStateAdmin(ReadOnlyAdmin):
    list_display = ("user", "version", "trained_on", "trained_at", "model_size")
    list_filter = ("trained_at",)
    ordering = ("-trained_at",)
    # Never `model`: the stored model holds the user's payee names.
    fields = ("user", "version", "trained_on", "trained_at", "signature", "model_size")
    readonly_fields = ("model_size",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClassifierState]:
        # The size from the database; the blobs themselves are never loaded.
        return super().get_queryset(request).defer("model").annotate(size=Length(F("model")))

    @admin.display(description="model size", ordering="size")
    def model_size(self, state: ClassifierState) -> str:
        size = getattr(state, "size", None) or 0
        return f"{size / 1024:.1f} KiB" if size >= 1024 else f"{size} B"


@admin.register(MonthlySummary)
class MonthlySummaryAdmin(ReadOnlyAdmin):
    list_display = ("month", "user", "status", "model_name", "updated_at", "error")
    list_filter = ("status", "model_name", "month")
    search_fields = ("user__email", "model_name", "error")
    ordering = ("-month", "user__email")
    # Never `content`: the summary itself is a reading of the user's money.
    fields = ("user", "month", "status", "model_name", "error", "created_at", "updated_at")
