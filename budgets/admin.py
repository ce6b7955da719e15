from django.contrib import admin

from budgets.models import (
    Budget,
    BudgetAlert,
    BudgetSettings,
    Notification,
    RecurringItem,
    RecurringOccurrence,
)


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "user",
        "category",
        "period",
        "amount",
        "currency",
        "rollover",
        "is_archived",
    ]
    list_filter = ["period", "is_archived", "rollover"]
    search_fields = ["user__email", "category__name"]
    raw_id_fields = ["user", "category"]


@admin.register(BudgetAlert)
class BudgetAlertAdmin(admin.ModelAdmin):
    list_display = ["id", "budget", "period_start", "threshold", "created_at"]
    raw_id_fields = ["budget"]


@admin.register(BudgetSettings)
class BudgetSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "thresholds", "email_alerts"]
    raw_id_fields = ["user"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["user__email", "title"]
    raw_id_fields = ["user"]


@admin.register(RecurringItem)
class RecurringItemAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "user",
        "payee",
        "amount",
        "frequency",
        "start_date",
        "auto_post",
        "is_active",
    ]
    list_filter = ["frequency", "auto_post", "is_active"]
    search_fields = ["user__email", "payee"]
    raw_id_fields = ["user", "account", "category"]


@admin.register(RecurringOccurrence)
class RecurringOccurrenceAdmin(admin.ModelAdmin):
    list_display = ["id", "item", "date", "status", "transaction"]
    list_filter = ["status"]
    raw_id_fields = ["item", "transaction"]
