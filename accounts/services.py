"""Writes for users and profiles. API tokens live in accounts/tokens.py."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Profile, User


def profile_get_or_create(user: User, *, onboarded: bool = True) -> Profile:
    """The user's profile, created with defaults when missing.

    People who sign up on the site get `onboarded=False` so the onboarding page asks for
    their preferences; accounts made by an operator or a script start ready to use.
    """
    profile, _ = Profile.objects.get_or_create(
        user=user, defaults={"onboarded_at": timezone.now() if onboarded else None}
    )
    return profile


@dataclass(frozen=True, kw_only=True)
class ProfileData:
    display_name: str
    base_currency: str
    timezone: str
    number_format: str
    first_day_of_week: int
    month_start_day: int
    monthly_income: Decimal | None
    savings_goal: Decimal | None


@transaction.atomic
def profile_update(*, user: User, data: ProfileData) -> Profile:
    """Save the user's preferences; the first save also completes onboarding."""
    profile = Profile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        profile = profile_get_or_create(user, onboarded=False)
    for field, value in vars(data).items():
        setattr(profile, field, value)
    if profile.onboarded_at is None:
        profile.onboarded_at = timezone.now()
    profile.full_clean(exclude=["user"])
    profile.save()
    return profile
