"""Tags: create, find-or-create by name, rename, delete."""

from collections.abc import Iterable

from django.db import transaction as db_transaction

from accounts.models import User
from ledger.models import Tag
from ledger.services.validation import FieldErrors, clean_text


def _clean_name(user: User, name: str, instance: Tag | None = None) -> str:
    errors = FieldErrors()
    cleaned = clean_text(errors, name, Tag, "name", required=True, label="tag name")
    if cleaned and not errors:
        clash = Tag.objects.for_user(user).filter(name__iexact=cleaned)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.add("name", f"You already have a tag called “{cleaned}”.")
    errors.raise_if_any()
    return cleaned


@db_transaction.atomic
def tag_create(*, user: User, name: str) -> Tag:
    return Tag.objects.create(user=user, name=_clean_name(user, name))


@db_transaction.atomic
def tags_get_or_create(*, user: User, names: Iterable[str]) -> list[Tag]:
    """The user's tags with these names (case-insensitive), creating the missing ones."""
    wanted: dict[str, str] = {}
    for raw in names:
        name = str(raw).strip()
        if name:
            wanted.setdefault(name.lower(), name)
    if not wanted:
        return []
    existing = {t.name.lower(): t for t in Tag.objects.for_user(user)}
    result = []
    for key, name in wanted.items():
        tag = existing.get(key) or tag_create(user=user, name=name)
        result.append(tag)
    return result


@db_transaction.atomic
def tag_update(*, user: User, tag: Tag, name: str) -> Tag:
    if tag.user_id != user.pk:
        errors = FieldErrors()
        errors.add("tag", "Choose one of your own.")
        errors.raise_if_any()
    tag.name = _clean_name(user, name, tag)
    tag.save(update_fields=["name"])
    return tag


@db_transaction.atomic
def tag_delete(*, user: User, tag: Tag) -> None:
    if tag.user_id != user.pk:
        errors = FieldErrors()
        errors.add("tag", "Choose one of your own.")
        errors.raise_if_any()
    tag.delete()
