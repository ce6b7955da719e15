from django.conf import settings
from django.db import models


class RuleQuerySet(models.QuerySet["Rule"]):
    def for_user(self, user) -> "RuleQuerySet":
        return self.filter(user=user)

    def active(self) -> "RuleQuerySet":
        return self.filter(is_active=True)


class Rule(models.Model):
    """A user's own categorization rule: conditions, then actions; ordered by priority.

    `conditions` is a list of {"field", "op", "value", "value2"} dicts; the rules engine
    (ledger/rules.py) validates and evaluates them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rules"
    )
    name = models.CharField(max_length=100)
    priority = models.PositiveIntegerField(default=0, help_text="Lower runs first.")
    match_all = models.BooleanField(default=True, help_text="All conditions (or any).")
    conditions = models.JSONField(default=list)
    set_category = models.ForeignKey(
        "ledger.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="rules"
    )
    add_tags = models.ManyToManyField("ledger.Tag", blank=True, related_name="rules")
    rename_payee = models.CharField(max_length=200, blank=True)
    set_notes = models.CharField(max_length=500, blank=True)
    stop_processing = models.BooleanField(default=True, help_text="Stop here when it matches.")
    is_active = models.BooleanField(default=True)
    # When one of its patterns last ran out of time on a transaction (which then counted as
    # not matching); shown on the rules page until the rule is saved again.
    pattern_timed_out_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "id"]
        indexes = [models.Index(fields=["user", "priority"])]

    def __str__(self) -> str:
        return self.name
