"""Officer accounts: log in by citizen ID (with lock-out), first-password change, password reset
by e-mail, profile (with personal API tokens), registration, unlocking locked accounts.

Thin views: the rules live in ``layers.services.officers`` and ``layers.selectors.officers``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from boundaries.selectors import without_geoms
from layers.errors import Conflict, InvalidInput
from layers.forms.officers import (
    POSITION_SUGGESTIONS,
    TITLE_SUGGESTIONS,
    CitizenIdAuthenticationForm,
    OfficerPasswordChangeForm,
    OfficerPasswordResetForm,
    OfficerSetPasswordForm,
    ProfileForm,
    RegistrationForm,
    RejectForm,
)
from layers.forms.tokens import ApiTokenForm
from layers.lockout import client_address, lockout_username
from layers.models import Officer, RegistrationRequest
from layers.selectors.lockouts import (
    locked_accounts_visible_to,
    lockout_for,
    officer_is_admin,
    officer_may_unlock_accounts,
)
from layers.selectors.officers import (
    officer_is_registration_approver,
    officer_roles,
    officer_teams,
    registration_can_decide,
    registrations_visible_to,
)
from layers.selectors.tokens import api_tokens_of
from layers.services.lockouts import account_unlock, password_reset_throttle
from layers.services.officers import (
    RegistrationAlreadyDecided,
    officer_profile_update,
    registration_approve,
    registration_reject,
    registration_submit,
)
from layers.services.tokens import api_token_create, api_token_revoke_own

LOGIN_TEMPLATE = "registration/login.html"


class CitizenIdLoginView(auth_views.LoginView):
    form_class = CitizenIdAuthenticationForm
    template_name = LOGIN_TEMPLATE
    redirect_authenticated_user = True


def _minutes(n: int) -> str:
    return ngettext("%(n)s minute", "%(n)s minutes", n) % {"n": n}


def lockout_message(lock) -> dict:
    """What the lock-out page says: the waiting time first, then what else may be done."""
    wait = _minutes(lock.minutes if lock else settings.LOCKOUT_MINUTES)
    if lock is not None and lock.by_address and not lock.by_account:
        return {
            "lead": _(
                "Too many failed logins from this network. Please wait %(wait)s and try again."
            )
            % {"wait": wait},
            "help": _(
                "If the whole office cannot log in, ask the system administrator to lift the lock."
            ),
        }
    return {
        "lead": _("Too many failed logins for this citizen ID. Please wait %(wait)s and try again.")
        % {"wait": wait},
        "help": _(
            "You may also reset your password by e-mail, or ask your district chief or province "
            "officer to unlock your account."
        ),
    }


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lock-out answer (``AXES_LOCKOUT_CALLABLE``), for our login and the admin
    site's: the login page again, with the message and the waiting time, status 429. Nobody is
    logged in, whatever the password was."""
    username = lockout_username(request, credentials)
    lock = lockout_for(username=username, ip_address=client_address(request))
    form = CitizenIdAuthenticationForm(request, initial={"username": username or ""})
    target = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    response = render(
        request,
        LOGIN_TEMPLATE,
        {"form": form, "lockout": lockout_message(lock), "next": target},
        status=429,
    )
    if lock is not None:
        response["Retry-After"] = str(int(lock.wait.total_seconds()) + 1)
    return response


# --- Password reset by e-mail -------------------------------------------------------------------


class OfficerPasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link. The same answer for an address with an account and one without;
    more than ``PASSWORD_RESET_LIMIT`` requests for one address (or
    ``PASSWORD_RESET_LIMIT_PER_ADDRESS`` from one client) within ``LOCKOUT_MINUTES`` get the
    waiting time instead, whether the address has an account or not."""

    form_class = OfficerPasswordResetForm
    # Our own names: django.contrib.admin ships registration/password_reset_*.html and comes
    # first in INSTALLED_APPS.
    template_name = "registration/officer_password_reset_form.html"
    email_template_name = "registration/officer_password_reset_email.txt"
    subject_template_name = "registration/officer_password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        wait = password_reset_throttle(
            email=form.cleaned_data["email"], ip_address=client_address(self.request)
        )
        if wait is not None:
            minutes = max(1, -(-int(wait.total_seconds()) // 60))
            form.add_error(
                None,
                _(
                    "Too many reset requests. Please wait %(wait)s before asking again, and "
                    "look for the e-mail already sent (also in the spam folder)."
                )
                % {"wait": _minutes(minutes)},
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(int(wait.total_seconds()) + 1)
            return response
        return super().form_valid(form)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }


class OfficerPasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/officer_password_reset_done.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }


class OfficerPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = OfficerSetPasswordForm
    template_name = "registration/officer_password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class OfficerPasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/officer_password_reset_complete.html"


# --- Locked accounts ------------------------------------------------------------------------------


def _unlocker_or_403(request):
    if not officer_may_unlock_accounts(request.user):
        raise PermissionDenied(
            _("Only district chiefs, province officers and administrators unlock accounts.")
        )


@never_cache
@login_required
def lockout_list(request):
    """Locked accounts of the officer's area, each with a button that lifts the lock."""
    _unlocker_or_403(request)
    return render(
        request,
        "maps/accounts/lockouts.html",
        {
            "rows": locked_accounts_visible_to(officer=request.user),
            "is_admin": officer_is_admin(request.user),
            "lockout_minutes": settings.LOCKOUT_MINUTES,
            "failure_limit": settings.LOGIN_FAILURE_LIMIT,
        },
    )


@login_required
@require_POST
def lockout_unlock(request):
    # The officer by number in the POST body: a citizen ID never goes into a URL (access logs).
    _unlocker_or_403(request)
    try:
        target = Officer.objects.get(pk=int(request.POST.get("officer", "")))
    except (ValueError, Officer.DoesNotExist):
        raise Http404(_("No such officer.")) from None
    account_unlock(officer=request.user, target=target)  # PermissionDenied outside the area
    messages.success(
        request,
        _("The account of %(name)s is unlocked: they may log in again.")
        % {"name": target.get_full_name() or target.masked_citizen_id},
    )
    return redirect("lockout_list")


class OfficerPasswordChangeView(auth_views.PasswordChangeView):
    form_class = OfficerPasswordChangeForm
    # Not "password_change_form.html": django.contrib.admin ships a template of that name
    # and comes first in INSTALLED_APPS, so ours would never be found.
    template_name = "registration/officer_password_change.html"
    success_url = reverse_lazy("password_change_done")

    def get_success_url(self):
        # Back to the page the first-login redirect interrupted, if it is one of ours.
        target = self.request.POST.get("next") or self.request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return target
        return super().get_success_url()

    def get_context_data(self, **kwargs):
        target = self.request.POST.get("next") or self.request.GET.get("next", "")
        return {**super().get_context_data(**kwargs), "next": target}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


class OfficerPasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/officer_password_change_done.html"


def _profile_response(request, *, form=None, token_form=None, new_token=None, status=200):
    officer = request.user
    response = render(
        request,
        "maps/accounts/profile.html",
        {
            "officer": officer,
            "form": form or ProfileForm(instance=officer),
            "roles": officer_roles(officer=officer),
            "teams": officer_teams(officer=officer),
            "tokens": api_tokens_of(officer=officer),
            "token_form": token_form or ApiTokenForm(),
            "new_token": new_token,
            "max_token_days": settings.API_TOKEN_MAX_DAYS,
        },
        status=status,
    )
    # A new token's key is in this response only: never cached, never in a message or session.
    response["Cache-Control"] = "no-store"
    return response


@login_required
def profile(request):
    officer = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=officer)
        if form.is_valid():
            officer_profile_update(
                officer=officer,
                phone_office=form.cleaned_data["phone_office"],
                phone_mobile=form.cleaned_data["phone_mobile"],
                email=form.cleaned_data["email"],
            )
            messages.success(request, _("Your contact details were saved."))
            return redirect("profile")
        officer.refresh_from_db()
        return _profile_response(request, form=form, status=400)
    return _profile_response(request)


@never_cache
@login_required
@require_POST
def api_token_create_view(request):
    """A new personal API token: the key is shown once, in this response."""
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = api_token_create(
                officer=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except InvalidInput as exc:
            for field, errors in exc.fields.items():
                form.add_error(field if field in form.fields else None, errors)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            return _profile_response(
                request, new_token={"name": token.name, "key": key, "token": token}
            )
    return _profile_response(request, token_form=form, status=400)


@login_required
@require_POST
def api_token_revoke_view(request, pk):
    token = api_token_revoke_own(officer=request.user, token_id=pk)  # another's: 404
    messages.success(
        request,
        _("The token “%(name)s” is revoked: it no longer opens anything.") % {"name": token.name},
    )
    return redirect(f"{reverse('profile')}#api-tokens")


def register(request):
    """The public registration form: anyone may submit; an approver decides."""
    if request.method == "POST":
        form = RegistrationForm(request.POST)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in RegistrationForm.Meta.fields}
            try:
                registration_submit(**data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("register_done")
        status = 400
    else:
        form = RegistrationForm()
        status = 200
    return render(
        request,
        "maps/accounts/register.html",
        {
            "form": form,
            "title_suggestions": TITLE_SUGGESTIONS,
            "position_suggestions": POSITION_SUGGESTIONS,
        },
        status=status,
    )


def register_done(request):
    return render(request, "maps/accounts/register_done.html")


def _approver_or_403(request):
    if not officer_is_registration_approver(request.user):
        raise PermissionDenied(
            _(
                "Only district chiefs and province officers approve registrations (and, for "
                "the anti-corruption channel, its centre or an administrator)."
            )
        )


def _request_in_area(request, pk) -> RegistrationRequest:
    reg = without_geoms(RegistrationRequest.objects, "province", "district").filter(pk=pk).first()
    if reg is None:
        raise Http404
    if not registration_can_decide(officer=request.user, request=reg):
        raise PermissionDenied(_("This request is outside the area you may approve."))
    return reg


STATUS_FILTERS = {s.value: s.label for s in RegistrationRequest.Status}


@login_required
def registration_list(request):
    _approver_or_403(request)
    status = request.GET.get("status", RegistrationRequest.Status.PENDING)
    if status not in STATUS_FILTERS and status != "all":
        status = RegistrationRequest.Status.PENDING
    requests = registrations_visible_to(
        officer=request.user, status=None if status == "all" else status
    )
    return render(
        request,
        "maps/accounts/registration_list.html",
        {"requests": requests[:500], "status": status, "statuses": STATUS_FILTERS},
    )


@login_required
def registration_detail(request, pk):
    _approver_or_403(request)
    reg = _request_in_area(request, pk)
    return render(
        request,
        "maps/accounts/registration_detail.html",
        {"reg": reg, "reject_form": RejectForm()},
    )


def _already_decided(request, reg, exc):
    return render(
        request,
        "maps/accounts/registration_detail.html",
        {"reg": reg, "reject_form": RejectForm(), "error": exc.messages[0]},
        status=409,
    )


@never_cache
@login_required
@require_POST
def registration_approve_view(request, pk):
    _approver_or_403(request)
    reg = _request_in_area(request, pk)
    try:
        result = registration_approve(request=reg, approver=request.user)
    except RegistrationAlreadyDecided as exc:
        reg.refresh_from_db()
        return _already_decided(request, reg, exc)
    except Conflict as exc:
        # A limit of the anti-corruption permission form (a third coordinator, a second
        # reporter): nothing was written; the request stays pending, the reason is shown.
        reg.refresh_from_db()
        return render(
            request,
            "maps/accounts/registration_detail.html",
            {
                "reg": reg,
                "reject_form": RejectForm(),
                "error": _(
                    "Not approved: %(reason)s Nothing was written; the request is still "
                    "waiting for a decision."
                )
                % {"reason": exc.message},
            },
            status=exc.status,
        )
    # The issued password is shown in this response only: not in a message (a cookie), not
    # in the session, not in a redirect; reloading re-posts and is refused as decided.
    return render(
        request,
        "maps/accounts/registration_approved.html",
        {"reg": reg, "result": result},
    )


@login_required
@require_POST
def registration_reject_view(request, pk):
    _approver_or_403(request)
    reg = _request_in_area(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "maps/accounts/registration_detail.html",
            {"reg": reg, "reject_form": form},
            status=400,
        )
    try:
        registration_reject(
            request=reg, approver=request.user, note=form.cleaned_data["decision_note"]
        )
    except RegistrationAlreadyDecided as exc:
        reg.refresh_from_db()
        return _already_decided(request, reg, exc)
    messages.success(request, _("The request was rejected; the note is kept with it."))
    return redirect(reverse("registration_list"))
