"""Operators' view of the ledger. Every change list joins what it shows (list_select_related)
so it runs the same few queries for 5 rows or 500; foreign keys use autocomplete or raw ids so
edit pages never render a select of every row in the database."""

from django.contrib import admin

from ledger.models import (
    Account,
    Category,
    ImportBatch,
    Rule,
    Tag,
    Transaction,
    TransactionSplit,
    Transfer,
)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "type", "currency", "opening_balance", "is_archived")
    list_filter = ("type", "currency", "is_archived", "provider")
    list_select_related = ("user",)
    search_fields = ("name", "institution", "user__email")
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "kind", "color", "icon", "is_archived")
    list_filter = ("kind", "is_archived")
    list_select_related = ("user", "parent")
    search_fields = ("name", "user__email")
    autocomplete_fields = ("user", "parent")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "user")
    list_select_related = ("user",)
    search_fields = ("name", "user__email")
    autocomplete_fields = ("user",)


class SplitInline(admin.TabularInline):
    model = TransactionSplit
    extra = 0
    autocomplete_fields = ("category",)


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = (
        "date",
        "payee",
        "amount",
        "account",
        "category",
        "status",
        "source",
        "categorized_by",
        "user",
    )
    list_filter = ("status", "source", "categorized_by", "date")
    list_select_related = ("account", "category", "category__parent", "user")
    search_fields = ("payee", "description", "notes", "external_id", "user__email")
    autocomplete_fields = ("user", "account", "category", "tags")
    raw_id_fields = ("import_batch", "transfer")
    readonly_fields = ("version", "created_at", "updated_at", "fingerprint", "provider_category")
    date_hierarchy = "date"
    inlines = [SplitInline]
    show_full_result_count = False  # no COUNT(*) over a million rows on every page


@admin.register(TransactionSplit)
class TransactionSplitAdmin(admin.ModelAdmin):
    list_display = ("transaction", "category", "amount", "notes")
    list_filter = ("category__kind",)
    list_select_related = ("transaction", "category", "category__parent")
    search_fields = ("notes", "transaction__payee")
    raw_id_fields = ("transaction",)
    autocomplete_fields = ("category",)


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__email", "transactions__payee")
    list_filter = ("created_at",)
    autocomplete_fields = ("user",)


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "account", "source", "state", "added", "created_at")
    list_filter = ("source", "state", "format")
    list_select_related = ("user", "account")
    search_fields = ("file_name", "user__email")
    autocomplete_fields = ("user", "account")
    readonly_fields = ("created_at", "committed_at", "undone_at")


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "priority", "set_category", "is_active", "stop_processing")
    list_filter = ("is_active", "stop_processing", "match_all")
    list_select_related = ("user", "set_category", "set_category__parent")
    search_fields = ("name", "user__email")
    autocomplete_fields = ("user", "set_category", "add_tags")
