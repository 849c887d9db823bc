"""Single sign-on pages: the start and end of a sign-in, sign-out, and the settings page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from warden.core.access import request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.links import absolute_url
from warden.core.redirects import safe_next
from warden.core.roles import Perm
from warden.core.selectors import operators_at
from warden.sso import access, oidc, services
from warden.sso.forms import LinkForm, ProviderForm
from warden.sso.models import PROVIDER_FIELDS, Provider

# The provider a sign-in was started with, and where to go after it.
PENDING_KEY = "warden_sso_pending"
# The provider a signed-in session came through, and its ID token for signing out there.
SESSION_KEY = "warden_sso"
# Django signs in through the model backend; the provider has already said who this is.
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _refused(
    request: HttpRequest, provider: Provider | None, message: str, **extra: str
) -> HttpResponse:
    return render(
        request,
        "sso/refused.html",
        {"provider": provider, "message": message, **extra},
        status=403,
    )


@require_GET
def start(request: HttpRequest, sso_provider_pk: int) -> HttpResponse:
    """Send the browser to the provider; reached from the sign-in page's button."""
    provider = Provider.objects.filter(pk=sso_provider_pk, enabled=True).first()
    if provider is None:
        raise Http404("No such sign-in provider.")
    try:
        client = oidc.client_for(provider)
        response = client.authorize_redirect(request, absolute_url(reverse("sso:callback")))
    except ServiceError as exc:
        return _refused(request, provider, f"{exc.message} Ask your ICT manager.")
    except oidc.PROVIDER_ERRORS:
        return _refused(
            request,
            provider,
            f"Warden could not reach {provider.button_name} to start signing in. Try again in "
            "a few minutes; if it goes on, tell your ICT manager.",
        )
    request.session[PENDING_KEY] = {
        "provider": provider.pk,
        "next": safe_next(request.GET.get("next"), ""),
    }
    return response


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """The provider's answer: check the ID token, match the user, sign them in."""
    pending = request.session.pop(PENDING_KEY, None) or {}
    provider = Provider.objects.filter(pk=int(pending.get("provider") or 0), enabled=True).first()
    if provider is None:
        return _refused(
            request,
            None,
            "This sign-in was not started here or has expired. Start again from the sign-in page.",
        )
    try:
        token = oidc.client_for(provider).authorize_access_token(
            request, claims_options=oidc.claims_options(provider)
        )
        claims = token.get("userinfo")
        if not claims:
            raise ValueError("the provider sent no ID token")
    except ServiceError as exc:
        return _refused(request, provider, f"{exc.message} Ask your ICT manager.")
    except oidc.PROVIDER_ERRORS as exc:
        services.refusal_record(provider=provider, reason=f"{type(exc).__name__}: {exc}")
        return _refused(
            request,
            provider,
            f"Warden could not check the answer from {provider.button_name}, so it did not "
            "sign you in. Start again from the sign-in page; if it happens again, tell your "
            "ICT manager.",
        )
    try:
        signed = services.sign_in_match(provider=provider, claims=claims)
    except services.SignInRefused as exc:
        return _refused(request, provider, exc.message, subject=exc.subject, email=exc.email)
    login(request, signed.user, backend=BACKEND)
    if signed.factor is not None:
        otp_login(request, signed.factor)
    request.session[SESSION_KEY] = {"provider": provider.pk, "id_token": token.get("id_token", "")}
    return redirect(safe_next(pending.get("next"), "core:dashboard"))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End Warden's session, then offer to end the provider's too.

    A page with a link, not a redirect: the form that posts here may only send to Warden
    (the Content-Security-Policy's ``form-action 'self'`` also covers where it redirects).
    """
    came = request.session.get(SESSION_KEY) or {}
    logout(request)
    provider = Provider.objects.filter(pk=int(came.get("provider") or 0)).first()
    end_session = oidc.end_session_url(provider) if provider is not None else ""
    if provider is None or not end_session:
        return redirect("core:login")
    query = {
        "client_id": provider.client_id,
        "post_logout_redirect_uri": absolute_url(reverse("core:login")),
    }
    if came.get("id_token"):
        query["id_token_hint"] = came["id_token"]
    return render(
        request,
        "sso/signed_out.html",
        {"provider": provider, "end_session": f"{end_session}?{urlencode(query)}"},
    )


# --- settings ---------------------------------------------------------------------------


@login_required
@require_GET
def sso_settings(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.SCHOOL_CONFIGURE, school)
    staff = operators_at(school)
    providers = list(access.providers_at(school).prefetch_related("links__user"))
    staff_ids = set(staff.values_list("pk", flat=True))
    rows = [
        {
            "provider": p,
            "links": [link for link in p.links.all() if link.user_id in staff_ids],
            "may_edit": p.school_id is not None
            or access.may_configure_trust(request.user, p.trust),
            "link_form": LinkForm(users=staff, prefix=f"p{p.pk}"),
        }
        for p in providers
    ]
    return render(
        request,
        "sso/settings.html",
        {
            "school": school,
            "rows": rows,
            "callback_url": absolute_url(reverse("sso:callback")),
            "sign_in_url": absolute_url(reverse("core:login")),
        },
    )


def _provider_form(request: HttpRequest, provider: Provider | None) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    trust_choice = provider is None and access.may_configure_trust(user, school.trust)
    form = ProviderForm(request.POST or None, instance=provider, trust_choice=trust_choice)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in PROVIDER_FIELDS}
        try:
            if provider is None:
                whole_trust = bool(form.cleaned_data.get("whole_trust"))
                services.provider_create(
                    actor=user,
                    trust=school.trust,
                    school=None if whole_trust else school,
                    fields=fields,
                )
            else:
                services.provider_update(actor=user, provider=provider, fields=fields)
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Sign-in provider saved.")
            return redirect("sso:settings")
    return render(
        request,
        "sso/provider_form.html",
        {
            "form": form,
            "provider": provider,
            "school": school,
            "callback_url": absolute_url(reverse("sso:callback")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def provider_add(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.SCHOOL_CONFIGURE, request_school(request))
    return _provider_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def provider_edit(request: HttpRequest, sso_provider_pk: int) -> HttpResponse:
    provider = access.provider_for_user(
        request.user, sso_provider_pk, request_school(request), write=True
    )
    return _provider_form(request, provider)


@login_required
@require_POST
def link_add(request: HttpRequest, sso_provider_pk: int) -> HttpResponse:
    school = request_school(request)
    provider = access.provider_for_user(request.user, sso_provider_pk, school)
    form = LinkForm(request.POST, users=operators_at(school), prefix=f"p{provider.pk}")
    if form.is_valid():
        target = form.cleaned_data["user"]
        access.require_may_manage(request.user, target, school)
        try:
            services.link_create(
                actor=request_user(request),
                provider=provider,
                user=target,
                subject=form.cleaned_data["subject"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{target} now signs in through {provider}.")
    else:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, f"The link was not made: {errors}")
    return redirect("sso:settings")


@login_required
@require_POST
def link_remove(request: HttpRequest, sso_link_pk: int) -> HttpResponse:
    link = access.link_for_user(request.user, sso_link_pk, request_school(request))
    services.link_remove(actor=request_user(request), link=link)
    messages.success(request, f"{link.user} no longer signs in through {link.provider}.")
    return redirect("sso:settings")
