"""Input and output serializers of the knowledge API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coordination.models import Vendor
from incidents.models import Service
from knowledge import selectors
from knowledge.models import BODY_MAX_LENGTH, MAX_REVIEW_DAYS, MAX_TAGS, TAG_MAX_LENGTH, Page, PageKind, PageVersion
from knowledge.rendering import render_markdown


class PageSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.get_username", read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True, allow_null=True, default=None)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    published_version = serializers.IntegerField(
        source="published_version.number", read_only=True, allow_null=True, default=None
    )
    stale = serializers.SerializerMethodField(help_text="Published and past its review date.")

    class Meta:
        model = Page
        fields = [
            "id",
            "title",
            "kind",
            "owner",
            "service",
            "service_name",
            "tags",
            "review_interval_days",
            "reviewed_at",
            "review_due_at",
            "stale",
            "published_version",
        ]

    def get_stale(self, page: Page) -> bool:
        return selectors.is_stale(page)


class SearchResultSerializer(PageSerializer):
    rank = serializers.FloatField(read_only=True, allow_null=True, default=None, help_text="PostgreSQL only.")

    class Meta(PageSerializer.Meta):
        fields = [*PageSerializer.Meta.fields, "rank"]


class PageDetailSerializer(PageSerializer):
    """A page as the caller reads it: the published version, or (to its author and reviewers) the newest draft."""

    shown_version = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField(help_text="The shown version's Markdown.")
    html = serializers.SerializerMethodField(help_text="The shown version rendered and sanitised.")
    draft_version = serializers.SerializerMethodField(help_text="The newest unpublished version you may read.")
    vendors: serializers.SlugRelatedField[Vendor] = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )

    class Meta(PageSerializer.Meta):
        fields = [*PageSerializer.Meta.fields, "shown_version", "body", "html", "draft_version", "vendors"]

    def _shown(self, page: Page) -> PageVersion | None:
        cache = getattr(page, "_shown", None)
        if cache is None:
            cache = page._shown = (selectors.shown_version(self.context["request"].user, page),)  # type: ignore[attr-defined]
        return cache[0]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_shown_version(self, page: Page) -> int | None:
        shown = self._shown(page)
        return shown.number if shown is not None else None

    def get_body(self, page: Page) -> str:
        shown = self._shown(page)
        return shown.body if shown is not None else ""

    def get_html(self, page: Page) -> str:
        shown = self._shown(page)
        return render_markdown(shown.body) if shown is not None else ""

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_draft_version(self, page: Page) -> int | None:
        draft = selectors.newest_draft(self.context["request"].user, page)
        return draft.number if draft is not None else None


class PageVersionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", read_only=True)
    published_by = serializers.CharField(
        source="published_by.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = PageVersion
        fields = ["number", "title", "summary", "body", "author", "created_at", "published_at", "published_by"]


class PageInputSerializer(serializers.Serializer):
    """A new page, or (PATCH) the fields to change: a changed title or body makes a new draft version."""

    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=BODY_MAX_LENGTH, trim_whitespace=False)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=PageKind.choices, required=False, default=PageKind.RUNBOOK)
    service: serializers.PrimaryKeyRelatedField[Service] = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.all(), required=False, allow_null=True, default=None
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX_LENGTH), max_length=MAX_TAGS, required=False, default=list
    )
    review_interval_days = serializers.IntegerField(min_value=1, max_value=MAX_REVIEW_DAYS, required=False, default=90)


class PublishInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2_000_000_000, help_text="The version number to publish.")


def only_sent(values: dict[str, Any], sent: Any) -> dict[str, Any]:
    """Return the validated values the client actually sent (PATCH ignores the serializer's defaults)."""
    return {name: value for name, value in values.items() if name in sent}
