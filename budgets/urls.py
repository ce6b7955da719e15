from django.urls import path

from budgets.views import budgets, notifications, recurring

app_name = "budgets"

urlpatterns = [
    path("budgets/", budgets.budget_list, name="budget-list"),
    path("budgets/new/", budgets.budget_create_view, name="budget-create"),
    path("budgets/suggest/", budgets.budget_suggest, name="budget-suggest"),
    path("budgets/copy-last-month/", budgets.budget_copy_last_month, name="budget-copy"),
    path("budgets/settings/", budgets.budget_settings_view, name="budget-settings"),
    path("budgets/<int:pk>/", budgets.budget_detail, name="budget-detail"),
    path("budgets/<int:pk>/edit/", budgets.budget_edit, name="budget-edit"),
    path("budgets/<int:pk>/archive/", budgets.budget_archive_view, name="budget-archive"),
    path("notifications/", notifications.notification_list, name="notification-list"),
    path(
        "notifications/read-all/", notifications.notification_read_all, name="notification-read-all"
    ),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification-read"),
    path("recurring/", recurring.recurring_list, name="recurring-list"),
    path("recurring/new/", recurring.recurring_create_view, name="recurring-create"),
    path("recurring/upcoming/", recurring.recurring_upcoming, name="recurring-upcoming"),
    path("recurring/track/", recurring.subscription_track_view, name="subscription-track"),
    path("recurring/<int:pk>/edit/", recurring.recurring_edit, name="recurring-edit"),
    path("recurring/<int:pk>/stop/", recurring.recurring_stop_view, name="recurring-stop"),
]
