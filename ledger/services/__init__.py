"""Writes to the ledger: every caller (pages, API, imports, syncs, recurring) goes through here.

One module per resource (transactions, transfers, categories, batches, ...).
"""
