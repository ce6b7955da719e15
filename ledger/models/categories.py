from django.conf import settings
from django.db import models


class CategoryKind(models.TextChoices):
    EXPENSE = "expense", "Expense"
    INCOME = "income", "Income"


class CategoryQuerySet(models.QuerySet["Category"]):
    def for_user(self, user) -> "CategoryQuerySet":
        return self.filter(user=user)

    def active(self) -> "CategoryQuerySet":
        return self.filter(is_archived=False)


class Category(models.Model):
    """A user's category; two levels at most (a parent and its sub-categories)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=CategoryKind.choices, default="expense")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    color = models.CharField(max_length=7, default="#64748b")
    icon = models.CharField(max_length=16, blank=True)
    is_archived = models.BooleanField(default=False)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name_plural = "categories"
        indexes = [models.Index(fields=["user", "kind"])]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id and self.parent else self.name


class TagQuerySet(models.QuerySet["Tag"]):
    def for_user(self, user) -> "TagQuerySet":
        return self.filter(user=user)


class Tag(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags"
    )
    name = models.CharField(max_length=50)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name
