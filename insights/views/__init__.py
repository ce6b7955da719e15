"""Insights pages, one module per page or group."""
