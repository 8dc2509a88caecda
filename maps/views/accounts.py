"""Officer accounts: log in by citizen ID, first-password change, profile, registration.

Thin views: the rules live in ``layers.services.officers`` and ``layers.selectors.officers``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from boundaries.selectors import without_geoms
from layers.forms.officers import (
    POSITION_SUGGESTIONS,
    TITLE_SUGGESTIONS,
    CitizenIdAuthenticationForm,
    OfficerPasswordChangeForm,
    ProfileForm,
    RegistrationForm,
    RejectForm,
)
from layers.models import RegistrationRequest
from layers.selectors.officers import (
    officer_is_registration_approver,
    officer_roles,
    officer_teams,
    registration_can_decide,
    registrations_visible_to,
)
from layers.services.officers import (
    RegistrationAlreadyDecided,
    officer_profile_update,
    registration_approve,
    registration_reject,
    registration_submit,
)


class CitizenIdLoginView(auth_views.LoginView):
    form_class = CitizenIdAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


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
        status = 400
    else:
        form = ProfileForm(instance=officer)
        status = 200
    return render(
        request,
        "maps/accounts/profile.html",
        {
            "officer": officer,
            "form": form,
            "roles": officer_roles(officer=officer),
            "teams": officer_teams(officer=officer),
        },
        status=status,
    )


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
            _("Only district chiefs and province officers approve registrations.")
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
