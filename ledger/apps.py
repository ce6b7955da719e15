from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # New users start with the default categories. The hook lives here, not in the
        # accounts app, because dependencies point one way (accounts <- ledger): accounts
        # must not import the ledger. Users made without allauth (admin, shell, tests) get
        # them from onboarding or from categories_create_defaults directly.
        from allauth.account.signals import user_signed_up

        user_signed_up.connect(_give_default_categories, dispatch_uid="ledger_default_categories")

        # Cached aggregates (dashboard, reports) rebuild when a month they cover changes.
        from django.db.models.signals import post_delete, post_init, post_save

        from ledger import changes
        from ledger.models import Transaction, TransactionSplit

        post_init.connect(
            changes.on_transaction_loaded, sender=Transaction, dispatch_uid="ledger_loaded"
        )
        post_save.connect(
            changes.on_transaction_saved, sender=Transaction, dispatch_uid="ledger_saved"
        )
        post_delete.connect(
            changes.on_transaction_saved, sender=Transaction, dispatch_uid="ledger_deleted"
        )
        post_save.connect(
            _split_changed, sender=TransactionSplit, dispatch_uid="ledger_split_saved"
        )
        post_delete.connect(
            _split_changed, sender=TransactionSplit, dispatch_uid="ledger_split_deleted"
        )


def _give_default_categories(sender, request, user, **kwargs) -> None:
    from ledger.services.categories import categories_create_defaults

    categories_create_defaults(user=user)


def _split_changed(sender, instance, **kwargs) -> None:
    from ledger.changes import on_transaction_saved
    from ledger.models import Transaction

    txn = Transaction.objects.filter(pk=instance.transaction_id).only("user_id", "date").first()
    if txn is not None:
        on_transaction_saved(Transaction, txn)
