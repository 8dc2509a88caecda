"""``GET /api/categories/``: the complaint categories, a tree (public: Open311 publishes the same
list as its services)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import StrictSerializer
from api.schema import policy_serializer
from layers import policy
from layers.selectors.categories import category_catalogue

SubcategoryDoc = policy_serializer(
    "Subcategory",
    "category",
    {
        "code": serializers.CharField(),
        "name_th": serializers.CharField(),
        "name_en": serializers.CharField(),
        "sla_days": serializers.IntegerField(
            allow_null=True, help_text="Days to close (the main category's when not its own)."
        ),
    },
)
CategoryDoc = policy_serializer(
    "Category",
    "category",
    {
        "code": serializers.CharField(help_text="The value of the case filters' `category`."),
        "name_th": serializers.CharField(),
        "name_en": serializers.CharField(),
        "is_other": serializers.BooleanField(
            help_text="'Other': the sub-category is written in words."
        ),
        "sla_days": serializers.IntegerField(allow_null=True),
        "subcategories": SubcategoryDoc(many=True),
    },
)
CategoryListDoc = policy_serializer(
    "CategoryList", "categories", {"results": CategoryDoc(many=True)}
)


class NoParameters(StrictSerializer):
    """Takes none: a misspelt parameter is a 400, not silently ignored."""


class CategoryListView(APIView):
    """``GET /api/categories/`` — the active main categories with their sub-categories."""

    permission_classes = [AllowAny]

    @extend_schema(summary="The complaint categories (public)", responses={200: CategoryListDoc})
    def get(self, request):
        NoParameters(data=request.query_params.dict()).is_valid(raise_exception=True)
        viewer = policy.PUBLIC_VIEWER
        results = [
            policy.shape(
                viewer,
                "category",
                {
                    **main,
                    "subcategories": [
                        policy.shape(viewer, "category", sub) for sub in main["subcategories"]
                    ],
                },
            )
            for main in category_catalogue()
        ]
        response = Response(policy.shape(viewer, "categories", {"results": results}))
        response["Cache-Control"] = "public, max-age=3600"
        return response
