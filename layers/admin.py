"""The Django admin for officers, roles, teams, categories and registration requests.

No password hash is ever shown: a new officer, or one who forgot their password, gets an
issued password (shown once to the admin) that must be changed at the next login.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from boundaries.admin import AreaChoicesWithoutGeom, province_filter
from boundaries.selectors import without_geoms
from layers.forms.officers import AdminCitizenIdAuthenticationForm, CitizenIdField
from layers.models import (
    ApiToken,
    Category,
    DuplicateDecision,
    Officer,
    RegistrationRequest,
    Role,
    RoleAssignment,
    Team,
    TeamMembership,
)
from layers.selectors.scope import COUNTRY_ROLES, DISTRICT_ROLES, PROVINCE_ROLES
from layers.services.officers import officer_issue_password
from layers.services.tokens import api_token_revoke

admin.site.site_header = _("Damrong GIS administration")
admin.site.site_title = _("Damrong GIS")
admin.site.index_title = _("Administration")
# The citizen-ID field of our login page (dashes allowed); django-axes counts its failures.
admin.site.login_form = AdminCitizenIdAuthenticationForm

ISSUED_PASSWORDS_TEMPLATE = "maps/accounts/admin_issued_passwords.html"


def _issued_passwords_response(request, rows, *, opts):
    # Rendered, never redirected: the passwords live in this one response only.
    response = TemplateResponse(
        request,
        ISSUED_PASSWORDS_TEMPLATE,
        {
            **admin.site.each_context(request),
            "rows": rows,
            "opts": opts,
            "title": _("Issued passwords"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


class RoleAssignmentForm(forms.ModelForm):
    """A role must come with the area its kind needs (see ``RoleAssignment``)."""

    class Meta:
        model = RoleAssignment
        fields = ["role", "province", "district", "assigned_on", "is_active"]

    def clean(self):
        cleaned = super().clean()
        role, province, district = (
            cleaned.get("role"),
            cleaned.get("province"),
            cleaned.get("district"),
        )
        if district is not None:
            if province is None:
                cleaned["province"] = district.province
            elif district.province_id != province.pk:
                self.add_error("district", _("This district is not in the chosen province."))
        if role in DISTRICT_ROLES and district is None:
            self.add_error("district", _("A district role needs its district."))
        elif role in PROVINCE_ROLES and province is None:
            self.add_error("province", _("A province role needs its province."))
        elif role in PROVINCE_ROLES and district is not None:
            self.add_error("district", _("A province role covers the whole province: no district."))
        elif role in COUNTRY_ROLES and (province is not None or district is not None):
            self.add_error(
                "province", _("This role covers the whole country: leave the area empty.")
            )
        elif role == Role.TEAM_MEMBER and district is None:
            self.add_error("district", _("Name the district of the member's teams."))
        elif role in (Role.AC_COORDINATOR, Role.AC_REPORTER, Role.AC_CENTRE):
            self._clean_anticorruption(role, province, district, cleaned.get("is_active"))
        return cleaned

    def _clean_anticorruption(self, role, province, district, active):
        """The permission form's limits (seed 000), said here before the database refuses:
        two coordinators per province, one reporter per district, the centre country-wide."""
        others = RoleAssignment.objects.filter(role=role, is_active=True)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if role == Role.AC_CENTRE:
            if province is not None or district is not None:
                self.add_error(
                    "province", _("This role covers the whole country: leave the area empty.")
                )
        elif role == Role.AC_COORDINATOR:
            if province is None or district is not None:
                self.add_error("province", _("A coordinator serves a province."))
            elif active and others.filter(province=province).count() >= 2:
                self.add_error("province", _("This province has its two coordinators already."))
        elif district is None:
            self.add_error("district", _("A reporter serves a district."))
        elif active and others.filter(district=district).exists():
            self.add_error("district", _("This district has its reporter already."))


class RoleAssignmentInline(AreaChoicesWithoutGeom, admin.TabularInline):
    model = RoleAssignment
    form = RoleAssignmentForm
    extra = 0
    autocomplete_fields = ["province", "district"]


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["team"]
    verbose_name = _("team membership")
    verbose_name_plural = _("team memberships")


class OfficerAdminForm(forms.ModelForm):
    citizen_id = CitizenIdField()

    class Meta:
        model = Officer
        # The admin's fieldsets decide the rest; "password" is in none of them.
        fields = ["citizen_id"]


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    form = OfficerAdminForm
    list_display = (
        "citizen_id",
        "full_name",
        "position",
        "unit",
        "role_list",
        "is_active",
        "must_change_password",
        "is_staff",
    )
    list_filter = ("is_active", "must_change_password", "is_staff", "roles__role")
    search_fields = ("citizen_id", "first_name", "last_name", "unit")
    ordering = ("citizen_id",)
    inlines = [RoleAssignmentInline, MembershipInline]
    actions = ["issue_new_password"]
    readonly_fields = ("last_login", "date_joined")
    # "password" is left out on purpose: not even the hash is shown.
    fieldsets = (
        (None, {"fields": ("citizen_id", "title", "first_name", "last_name")}),
        (_("Work"), {"fields": ("position", "level", "unit")}),
        (_("Contact"), {"fields": ("phone_office", "phone_mobile", "email")}),
        (
            _("Access"),
            {
                "fields": (
                    "is_active",
                    "must_change_password",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    filter_horizontal = ("groups", "user_permissions")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "user_permissions":
            # Each permission's label names its content type: one query, not one per row.
            qs = kwargs.get("queryset", db_field.remote_field.model.objects)
            kwargs["queryset"] = qs.select_related("content_type")
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # The citizen ID is the user name; a different person is a new account.
            fields.append("citizen_id")
        if not request.user.is_superuser:
            fields += ["is_superuser", "groups", "user_permissions"]
        return fields

    @admin.display(description=_("name"), ordering="first_name")
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("roles"))
    def role_list(self, obj):
        return ", ".join(
            f"{ra.get_role_display()} {ra.district_id or ra.province_id or ''}".strip()
            for ra in obj.roles.all()
            if ra.is_active
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            request._issued_password = officer_issue_password(officer=obj)

    def response_add(self, request, obj, post_url_continue=None):
        password = getattr(request, "_issued_password", None)
        if password is None:
            return super().response_add(request, obj, post_url_continue)
        return _issued_passwords_response(request, [(obj, password)], opts=self.opts)

    @admin.action(description=_("Issue a new first password (shown once)"))
    def issue_new_password(self, request, queryset):
        rows = [(o, officer_issue_password(officer=o)) for o in queryset.order_by("citizen_id")]
        return _issued_passwords_response(request, rows, opts=self.opts)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AreaChoicesWithoutGeom, admin.ModelAdmin):
    form = RoleAssignmentForm
    list_display = ("officer", "role", "province", "district", "assigned_on", "is_active")
    list_filter = ("role", "is_active", province_filter("province_id"))
    # Named, not True/False: a bare select_related() would pull the areas' polygons too.
    list_select_related = ("officer", "province", "district")
    search_fields = ("officer__citizen_id", "officer__first_name", "officer__last_name")
    autocomplete_fields = ["officer", "province", "district"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("officer")
        return without_geoms(qs, "province", "district")

    def get_fields(self, request, obj=None):
        return ["officer", *RoleAssignmentForm.Meta.fields]


class TeamMemberInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["officer"]


@admin.register(Team)
class TeamAdmin(AreaChoicesWithoutGeom, admin.ModelAdmin):
    list_display = ("name", "subdistrict", "district", "member_count", "email", "is_active")
    list_filter = ("is_active", province_filter("district__province_id"))
    list_select_related = ("subdistrict", "district")
    search_fields = ("name", "subdistrict__code", "subdistrict__name_th")
    autocomplete_fields = ["subdistrict"]
    fields = ("subdistrict", "district", "name", "email", "is_active")
    readonly_fields = ("district",)
    inlines = [TeamMemberInline]

    def get_queryset(self, request):
        qs = without_geoms(super().get_queryset(request), "subdistrict", "district")
        return qs.annotate(_members=Count("memberships"))

    @admin.display(description=_("members"), ordering="_members")
    def member_count(self, obj):
        return obj._members

    def save_model(self, request, obj, form, change):
        # The district is the sub-district's, always (it is copied only to save a join).
        obj.district_id = obj.subdistrict.district_id
        super().save_model(request, obj, form, change)


class CategoryLevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("main", _("main categories")), ("sub", _("sub-categories"))]

    def queryset(self, request, queryset):
        if self.value() == "main":
            return queryset.filter(parent__isnull=True)
        if self.value() == "sub":
            return queryset.filter(parent__isnull=False)
        return queryset


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "code",
            "parent",
            "name_th",
            "name_en",
            "is_other",
            "sla_days",
            "duplicate_radius_m",
            "duplicate_window_days",
            "sort_order",
            "is_active",
        ]

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is not None and parent.parent_id is not None:
            raise ValidationError(_("Categories have two levels: choose a main category."))
        return parent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Categories and their days to close (SLA), editable right in the list (issue 3)."""

    form = CategoryForm
    list_display = (
        "code",
        "name_th",
        "name_en",
        "parent",
        "sla_days",
        "effective_sla",
        "duplicate_radius_m",
        "duplicate_window_days",
        "is_other",
        "is_active",
    )
    # The duplicate radius and window are read from main categories only (issue 8).
    list_editable = ("sla_days", "duplicate_radius_m", "duplicate_window_days", "is_active")
    list_filter = (CategoryLevelFilter, "is_active", "is_other")
    list_select_related = ("parent",)
    search_fields = ("code", "name_th", "name_en")
    ordering = ("parent__sort_order", "sort_order", "code")

    @admin.display(description=_("SLA in effect (days)"))
    def effective_sla(self, obj):
        return obj.effective_sla_days


@admin.register(RegistrationRequest)
class RegistrationRequestAdmin(admin.ModelAdmin):
    """Read-mostly: requests are decided on the approval pages, where the area is checked."""

    list_display = (
        "citizen_id",
        "name",
        "position",
        "permission_level",
        "province",
        "district",
        "status",
        "submitted_at",
        "decided_by",
    )
    list_filter = ("status", "permission_level", province_filter("province_id"))
    list_select_related = ("province", "district", "decided_by")
    search_fields = ("citizen_id", "first_name", "last_name")
    date_hierarchy = "submitted_at"

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("decided_by", "officer")
        return without_geoms(qs, "province", "district")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("name"))
    def name(self, obj):
        return f"{obj.title}{obj.first_name} {obj.last_name}"


@admin.register(DuplicateDecision)
class DuplicateDecisionAdmin(admin.ModelAdmin):
    """What officers decided about suggested duplicates, with the score at the time: the labels
    on which DUPLICATE_LIKELY_THRESHOLD is tuned (issue 8). Kept as written: read only."""

    list_display = ("case", "candidate", "decision", "score", "decided_by", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("case", "candidate", "decided_by")
    date_hierarchy = "decided_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TokenStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("working")), ("expired", _("expired")), ("revoked", _("revoked"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every officer's API tokens: listed and revoked here, never created (the key is shown
    once to its officer, on the profile page or by ``manage.py api_token create``) and never
    shown (only its prefix: the digest is not even displayed)."""

    list_display = (
        "name",
        "officer",
        "display_key",
        "created_at",
        "expires_at",
        "last_used_at",
        "state_label",
    )
    list_filter = (TokenStateFilter, "created_at")
    list_select_related = ("officer",)
    search_fields = ("name", "prefix", "officer__citizen_id", "officer__last_name")
    ordering = ("-created_at",)
    actions = ["revoke"]
    fields = (
        "officer",
        "name",
        "display_key",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked tokens stay listed: who had access, until when

    @admin.display(description=_("key"))
    def display_key(self, obj):
        return obj.display_key

    @admin.display(description=_("state"))
    def state_label(self, obj):
        return {"active": _("working"), "expired": _("expired"), "revoked": _("revoked")}[obj.state]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, by=request.user)
            revoked += 1
        self.message_user(request, _("%(n)d token(s) revoked.") % {"n": revoked})


# The systems that exchange cases with ours (Open311 partners, webhooks): their own module.
from layers import admin_exchange  # noqa: E402, F401
