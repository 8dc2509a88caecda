"""Officers, the roles that bind them to an area, and registration requests.

Officers log in with their 13-digit citizen ID, as in the department's own system (seed 001).
A role always comes with an area: the area is what scopes every list, map and export (see
``layers.selectors.scope``).
"""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layers.validators import normalize_citizen_id, validate_citizen_id, validate_thai_phone


class OfficerManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, citizen_id, password, **extra):
        citizen_id = normalize_citizen_id(citizen_id)
        validate_citizen_id(citizen_id)
        officer = self.model(citizen_id=citizen_id, **extra)
        officer.set_password(password)
        officer.save(using=self._db)
        return officer

    def create_user(self, citizen_id, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(citizen_id, password, **extra)

    def create_superuser(self, citizen_id, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("must_change_password", False)
        return self._create(citizen_id, password, **extra)


class Officer(AbstractBaseUser, PermissionsMixin):
    citizen_id = models.CharField(
        _("citizen ID"), max_length=13, unique=True, validators=[validate_citizen_id]
    )
    title = models.CharField(_("title"), max_length=40, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=120, blank=True)
    level = models.CharField(_("level"), max_length=60, blank=True)
    unit = models.CharField(_("unit"), max_length=160, blank=True)
    phone_office = models.CharField(
        _("office phone"), max_length=20, blank=True, validators=[validate_thai_phone]
    )
    phone_mobile = models.CharField(
        _("mobile phone"), max_length=20, blank=True, validators=[validate_thai_phone]
    )
    email = models.EmailField(_("e-mail"), blank=True)
    # An issued first password must be changed before anything else opens (seed 001, item 1).
    must_change_password = models.BooleanField(_("must change password"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff (admin site)"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = OfficerManager()

    USERNAME_FIELD = "citizen_id"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")

    def __str__(self):
        return self.get_full_name() or self.masked_citizen_id

    def get_full_name(self):
        return " ".join(p for p in (self.title + self.first_name, self.last_name) if p).strip()

    def get_short_name(self):
        return self.first_name

    @property
    def masked_citizen_id(self):
        """The citizen ID with its middle hidden, for places that only need to recognise it."""
        return f"{self.citizen_id[:1]}-XXXX-XXXXX-{self.citizen_id[10:12]}-{self.citizen_id[12:]}"


class Role(models.TextChoices):
    DISTRICT_OFFICER = "district_officer", _("district officer")
    DISTRICT_CHIEF = "district_chief", _("district chief")
    TEAM_MEMBER = "team_member", _("sub-district team member")
    PROVINCE_OFFICER = "province_officer", _("province officer")
    GOVERNOR = "governor", _("governor")
    CENTRAL_OFFICER = "central_officer", _("central officer")
    GIS_ANALYST = "gis_analyst", _("GIS analyst")
    ADMIN = "admin", _("administrator")
    # The anti-corruption channel (seed 000): named by the department's permission form, they
    # alone handle tips about officials, and see nothing of the ordinary complaints.
    AC_COORDINATOR = "ac_coordinator", _("anti-corruption coordinator (province)")
    AC_REPORTER = "ac_reporter", _("anti-corruption reporter (district)")
    AC_CENTRE = "ac_centre", _("anti-corruption centre (department)")


class RoleAssignment(models.Model):
    """One role of one officer, bound to an area.

    The area is a district (district roles), a province (province roles), nothing (central,
    admin: the whole country), or for a team member the sub-districts of the teams they belong
    to (``TeamMembership``; ``district`` then names the district of those teams). A GIS analyst
    may be bound to a province, a district or the country.
    """

    officer = models.ForeignKey(Officer, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    province = models.ForeignKey(
        "boundaries.Province", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        "boundaries.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_on = models.DateField(_("date assigned"), default=timezone.localdate)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "role", "province", "district"],
                name="role_assignment_unique",
                nulls_distinct=False,
            ),
            # One anti-corruption reporter per district (seed 000); the coordinators' limit of
            # two per province is a trigger (migration 0012), a count no constraint can hold.
            models.UniqueConstraint(
                fields=["district"],
                condition=models.Q(role="ac_reporter", is_active=True),
                name="one_ac_reporter_per_district",
            ),
        ]

    def __str__(self):
        area = self.district_id or self.province_id or _("country")
        return f"{self.get_role_display()} ({area})"


class PermissionLevel(models.TextChoices):
    DISTRICT = "district", _("district level")
    PROVINCE = "province", _("province level")
    # The anti-corruption channel's permission form (seed 000): two coordinators per province,
    # one reporter per district, the department's centre. Approval grants the role of the same
    # name (``AC_LEVEL_ROLES``) through ``assign_ac_role``, which keeps the limits.
    AC_COORDINATOR = "ac_coordinator", _("anti-corruption: provincial coordinator")
    AC_REPORTER = "ac_reporter", _("anti-corruption: district reporter")
    AC_CENTRE = "ac_centre", _("anti-corruption: the department's centre")


# The role each anti-corruption permission level grants on approval.
AC_LEVEL_ROLES = {
    PermissionLevel.AC_COORDINATOR: Role.AC_COORDINATOR,
    PermissionLevel.AC_REPORTER: Role.AC_REPORTER,
    PermissionLevel.AC_CENTRE: Role.AC_CENTRE,
}


class RegistrationRequest(models.Model):
    """The department's registration form (แบบลงทะเบียนใช้งาน, seed 001).

    Approved by the district chief (district level) or the province officer (province level);
    approval creates the officer with an issued first password.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    citizen_id = models.CharField(_("citizen ID"), max_length=13, validators=[validate_citizen_id])
    title = models.CharField(_("title"), max_length=40)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    position = models.CharField(_("position"), max_length=120)
    level = models.CharField(_("level"), max_length=60, blank=True)
    unit = models.CharField(_("unit"), max_length=160, blank=True)
    province = models.ForeignKey("boundaries.Province", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        "boundaries.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    permission_level = models.CharField(
        _("permission level"), max_length=16, choices=PermissionLevel.choices
    )
    phone_office = models.CharField(
        _("office phone"), max_length=20, validators=[validate_thai_phone]
    )
    phone_mobile = models.CharField(
        _("mobile phone"), max_length=20, blank=True, validators=[validate_thai_phone]
    )
    email = models.EmailField(_("e-mail"), blank=True)
    date_assigned = models.DateField(_("date assigned"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        Officer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    officer = models.ForeignKey(
        Officer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
        help_text=_("The account created on approval."),
    )

    class Meta:
        verbose_name = _("registration request")
        verbose_name_plural = _("registration requests")
        ordering = ["-submitted_at"]

    def __str__(self):
        return f"{self.title}{self.first_name} {self.last_name} ({self.get_status_display()})"


class PasswordResetAttempt(models.Model):
    """One request for a password-reset e-mail, kept while it counts towards the throttle
    (``PASSWORD_RESET_LIMIT`` per e-mail address, ``PASSWORD_RESET_LIMIT_PER_ADDRESS`` per
    client address, within ``LOCKOUT_MINUTES``).

    The e-mail address is kept as a keyed digest only: the table answers "how often was this
    address asked for", never "which addresses were asked for".
    """

    email_digest = models.CharField(max_length=64, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")

    def __str__(self):
        return f"{self.requested_at:%Y-%m-%d %H:%M}"
