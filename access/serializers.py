"""Input and output serializers of the access reviews API."""

from __future__ import annotations

from rest_framework import serializers

from access.models import AccessReview, AccessReviewLine, Decision
from access.services import MAX_REASON


class AccessReviewLineSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_username", read_only=True)
    user_id = serializers.IntegerField(read_only=True)
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = AccessReviewLine
        fields = ["id", "user", "user_id", "roles", "is_staff", "is_superuser", "last_login", "dormant", "decision",
                  "reason", "decided_by", "decided_at"]  # fmt: skip

    def get_decided_by(self, line: AccessReviewLine) -> str | None:
        return line.decided_by.get_username() if line.decided_by else None


class AccessReviewListSerializer(serializers.ModelSerializer):
    line_count = serializers.IntegerField(read_only=True)
    undecided_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = AccessReview
        fields = ["id", "quarter", "opened_at", "due_at", "completed_at", "line_count", "undecided_count"]


class AccessReviewSerializer(AccessReviewListSerializer):
    lines = AccessReviewLineSerializer(many=True, read_only=True)

    class Meta(AccessReviewListSerializer.Meta):
        fields = [*AccessReviewListSerializer.Meta.fields, "lines"]


class DecideInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = serializers.CharField(max_length=MAX_REASON)
