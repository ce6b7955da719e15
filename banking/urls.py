from django.urls import path

from banking.views import connections, imports

app_name = "banking"

urlpatterns = [
    path("import/", imports.import_start_view, name="import"),
    path("import/history/", imports.import_history_view, name="import-history"),
    path("import/<int:pk>/", imports.import_detail_view, name="import-detail"),
    path("import/<int:pk>/status/", imports.import_status_view, name="import-status"),
    path("import/<int:pk>/mapping/", imports.import_mapping_view, name="import-mapping"),
    path(
        "import/<int:pk>/mapping/preview/",
        imports.import_mapping_preview_view,
        name="import-mapping-preview",
    ),
    path("import/<int:pk>/accounts/", imports.import_accounts_view, name="import-accounts"),
    path("import/<int:pk>/commit/", imports.import_commit_view, name="import-commit"),
    path("import/<int:pk>/undo/", imports.import_undo_view, name="import-undo"),
    path("import/<int:pk>/discard/", imports.import_discard_view, name="import-discard"),
    # Bank connections (bank sync)
    path("connections/", connections.connection_list, name="connections"),
    path("connections/demo/", connections.connect_demo, name="connect-demo"),
    path("connections/plaid/link-token/", connections.plaid_link_token, name="plaid-link-token"),
    path("connections/plaid/exchange/", connections.plaid_exchange, name="plaid-exchange"),
    path(
        "connections/<int:pk>/accounts/",
        connections.connection_accounts,
        name="connection-accounts",
    ),
    path("connections/<int:pk>/sync/", connections.connection_sync, name="connection-sync"),
    path("connections/<int:pk>/status/", connections.connection_status, name="connection-status"),
    path(
        "connections/<int:pk>/reconnect/",
        connections.connection_reconnect,
        name="connection-reconnect",
    ),
    path("connections/<int:pk>/remove/", connections.connection_remove, name="connection-remove"),
    path("banking/plaid/webhook", connections.plaid_webhook, name="plaid-webhook"),
]
