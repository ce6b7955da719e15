"""Writes of the budgets app: budgets, alerts and notifications, recurring items."""
