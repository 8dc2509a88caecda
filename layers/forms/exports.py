"""The export page's form: area, dates in the Buddhist Era, category, status, personal data.

It only turns what the officer picked into the export's query parameters
(``layers.selectors.exports``), which check them again like any API call: one parser, so the
page and the API cannot disagree.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from boundaries.models import District, Province
from layers.forms.officers import BuddhistEraDateField
from layers.models import Category, Status
from layers.policy import viewer_for
from layers.selectors.scope import jurisdiction_for

ALL = "all"


def area_choices(officer) -> list:
    """ "All of my area", then the officer's provinces, each followed by its districts (the
    districts alone for a district-level officer)."""
    j = jurisdiction_for(officer)
    choices: list = [(ALL, _("All of my area"))]
    if j.country:
        provinces = Province.objects.order_by("code")
    else:
        codes = set(j.provinces) | {d[:2] for d in j.districts} | {s[:2] for s in j.subdistricts}
        provinces = Province.objects.filter(code__in=codes).order_by("code")
    provinces = list(provinces.values_list("code", "name_th"))
    districts: dict[str, list] = {}
    for code, name, province in (
        District.objects.filter(province_id__in=[p[0] for p in provinces])
        .order_by("code")
        .values_list("code", "name_th", "province_id")
    ):
        if j.country or province in j.provinces or code in j.districts:
            districts.setdefault(province, []).append((f"d{code}", f"{code} อ.{name}"))
    for code, name in provinces:
        group = []
        if j.country or code in j.provinces:
            group.append((f"p{code}", f"{code} จ.{name}"))
        group.extend(districts.get(code, []))
        if group:
            choices.append((f"{code} {name}", group))
    return choices


class ExportForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"))
    subdistrict = forms.CharField(
        label=_("Sub-district code (optional)"),
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "490101"}),
    )
    since = BuddhistEraDateField(label=_("Received from"), required=False)
    until = BuddhistEraDateField(label=_("Received until"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.MultipleChoiceField(
        label=_("Status"),
        required=False,
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    personal = forms.BooleanField(
        label=_("Include complainants, accused parties and descriptions (personal data)"),
        required=False,
    )

    def __init__(self, *args, officer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(officer)
        self.fields["category"].choices = [("", _("All categories"))] + list(
            Category.objects.filter(parent__isnull=True)
            .order_by("sort_order", "code")
            .values_list("code", "name_th")
        )
        if not viewer_for(officer).personal:
            del self.fields["personal"]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", ValidationError(_("The end date is before the start date.")))
        return data

    def params(self) -> dict:
        """The export's query parameters (``layers.selectors.exports``)."""
        data = self.cleaned_data
        params: dict[str, str] = {}
        area = data["area"]
        if area == ALL:
            params["area"] = "all"
        elif area.startswith("p"):
            params["province"] = area[1:]
        else:
            params["district"] = area[1:]
        if data.get("subdistrict"):
            params["subdistrict"] = data["subdistrict"].strip()
            params.pop("area", None)
        for name in ("since", "until"):
            if data.get(name):
                params[name] = data[name].isoformat()
        if data.get("category"):
            params["category"] = data["category"]
        if data.get("status"):
            params["status"] = ",".join(data["status"])
        if data.get("personal"):
            params["personal"] = "true"
        return params
