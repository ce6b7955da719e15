from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts.forms import ApiTokenForm, ProfileForm
from accounts.models import ApiToken, Profile
from accounts.services import profile_get_or_create, profile_update
from accounts.tokens import api_token_create, api_token_revoke

NEW_TOKEN_SESSION_KEY = "billfold.new_api_token"


def _profile_initial(profile: Profile) -> dict:
    return {
        "display_name": profile.display_name,
        "base_currency": profile.base_currency,
        "timezone": profile.timezone,
        "number_format": profile.number_format,
        "first_day_of_week": profile.first_day_of_week,
        "month_start_day": profile.month_start_day,
        "monthly_income": profile.monthly_income,
        "savings_goal": profile.savings_goal,
    }


def _own_profile(request: HttpRequest) -> Profile | None:
    """The profile PreferencesMiddleware already read for this request (None if missing)."""
    return getattr(request.user, "profile", None)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request: HttpRequest) -> HttpResponse:
    profile = _own_profile(request) or profile_get_or_create(request.user, onboarded=False)
    if profile.is_onboarded and request.method == "GET":
        return redirect(_safe_next(request))
    form = ProfileForm(request.POST or None, initial=_profile_initial(profile))
    if request.method == "POST" and form.is_valid():
        profile_update(user=request.user, data=form.to_data())
        messages.success(request, "You are all set. Welcome to Billfold!")
        return redirect(_safe_next(request))
    return render(
        request,
        "accounts/onboarding.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_profile(request: HttpRequest) -> HttpResponse:
    profile = _own_profile(request) or profile_get_or_create(request.user)
    form = ProfileForm(request.POST or None, initial=_profile_initial(profile))
    if request.method == "POST" and form.is_valid():
        profile_update(user=request.user, data=form.to_data())
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:settings")
    return render(
        request,
        "accounts/settings_profile.html",
        {"form": form, "tab": "profile"},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET"])
def settings_security(request: HttpRequest) -> HttpResponse:
    kinds = set(Authenticator.objects.filter(user=request.user).values_list("type", flat=True))
    return render(
        request,
        "accounts/settings_security.html",
        {
            "tab": "security",
            "totp_active": Authenticator.Type.TOTP in kinds,
            "recovery_codes_active": Authenticator.Type.RECOVERY_CODES in kinds,
            "session_expires_at": request.session.get_expiry_date(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        token, secret = api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        # Shown once on the next page load, then gone from the session for good.
        request.session[NEW_TOKEN_SESSION_KEY] = {"id": token.pk, "secret": secret}
        return redirect("accounts:tokens")
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    tokens = ApiToken.objects.for_user(request.user).filter(revoked_at__isnull=True)
    return render(
        request,
        "accounts/settings_tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "new_token": new_token,
            "tab": "tokens",
            "now": timezone.now(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if request.method == "POST":
        token = api_token_revoke(user=request.user, token_id=token_id)
        messages.success(
            request, f"The token “{token.name}” is revoked. Scripts using it now get 401."
        )
        return redirect("accounts:tokens")
    token = get_object_or_404(
        ApiToken.objects.for_user(request.user).filter(revoked_at__isnull=True), pk=token_id
    )
    return render(request, "accounts/token_revoke_confirm.html", {"token": token, "tab": "tokens"})
