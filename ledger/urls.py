# Placeholder pages show a "coming soon" state until their feature lands.
from django.urls import path

from ledger.views import accounts, categories, data, quick_add, rules, tags, transactions

app_name = "ledger"

urlpatterns = [
    path("transactions/", transactions.transaction_list, name="transaction-list"),
    path("transactions/export.csv", transactions.transaction_export, name="transaction-export"),
    path("transactions/bulk/", transactions.transaction_bulk, name="transaction-bulk"),
    path("transactions/quick-add/", quick_add.quick_add, name="quick-add"),
    path("transactions/new/", transactions.transaction_create_view, name="transaction-create"),
    path("transactions/<int:pk>/edit/", transactions.transaction_edit, name="transaction-edit"),
    path(
        "transactions/<int:pk>/delete/",
        transactions.transaction_delete_view,
        name="transaction-delete",
    ),
    path(
        "transactions/<int:pk>/split/",
        transactions.transaction_split_view,
        name="transaction-split",
    ),
    path(
        "transactions/<int:pk>/make-transfer/",
        transactions.transaction_make_transfer_view,
        name="transaction-make-transfer",
    ),
    path("transfers/new/", transactions.transfer_create_view, name="transfer-create"),
    path("accounts/", accounts.account_list, name="account-list"),
    path("accounts/new/", accounts.account_create_view, name="account-create"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account-detail"),
    path("accounts/<int:pk>/edit/", accounts.account_edit, name="account-edit"),
    path("accounts/<int:pk>/archive/", accounts.account_archive_view, name="account-archive"),
    path("categories/", categories.category_list, name="category-list"),
    path("categories/new/", categories.category_create_view, name="category-create"),
    path("categories/<int:pk>/edit/", categories.category_edit, name="category-edit"),
    path("categories/<int:pk>/merge/", categories.category_merge_view, name="category-merge"),
    path(
        "categories/<int:pk>/archive/",
        categories.category_archive_view,
        name="category-archive",
    ),
    path("tags/", tags.tag_list, name="tag-list"),
    path("tags/<int:pk>/edit/", tags.tag_edit, name="tag-edit"),
    path("tags/<int:pk>/delete/", tags.tag_delete_view, name="tag-delete"),
    path("settings/data/", data.data, name="data"),
    path("settings/data/export.json", data.data_export_json, name="data-export-json"),
    path("settings/data/transactions.csv", data.data_export_csv, name="data-export-csv"),
    path("settings/data/delete/", data.data_delete_account, name="data-delete-account"),
    path("goodbye/", data.goodbye, name="goodbye"),
    path("rules/", rules.rule_list, name="rule-list"),
    path("rules/new/", rules.rule_create_view, name="rule-create"),
    path("rules/test/", rules.rule_test_view, name="rule-test"),
    path("rules/<int:pk>/edit/", rules.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/delete/", rules.rule_delete_view, name="rule-delete"),
    path("rules/<int:pk>/move/", rules.rule_move_view, name="rule-move"),
    path("rules/<int:pk>/apply/", rules.rule_apply_view, name="rule-apply"),
    path(
        "transactions/<int:pk>/rule/",
        rules.rule_from_transaction_view,
        name="rule-from-transaction",
    ),
]
