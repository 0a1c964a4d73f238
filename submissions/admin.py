"""The admin for site staff: find things across editions. Workflow states are read-only here (only the services
change them, and they keep the trail); the jury's private texts are not shown."""

from django.contrib import admin

from .models import (
    Assignment,
    AssignmentSettings,
    ConflictOfInterest,
    Criterion,
    Decision,
    Extension,
    Question,
    Review,
    ReviewAssignment,
    ReviewSettings,
    Submission,
    SubmissionChange,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0


class SettingsInline(admin.StackedInline):
    model = AssignmentSettings
    extra = 0


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["title_fr", "edition"]
    list_select_related = ["edition"]
    search_fields = ["title_fr", "title_en", "edition__title", "edition__slug"]
    inlines = [SettingsInline, QuestionInline]


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin):
    list_display = ["assignment", "group", "deadline", "reason", "granted_by", "granted_at"]
    list_filter = ["assignment__edition"]
    list_select_related = ["assignment", "group", "granted_by"]
    search_fields = ["group__name", "reason"]
    raw_id_fields = ["group"]
    readonly_fields = ["granted_by", "granted_at"]


class SubmissionChangeInline(admin.TabularInline):
    model = SubmissionChange
    extra = 0
    fields = ["at", "old", "new", "by", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    """A frozen snapshot: read only. Its state changes through the review's services."""

    list_display = ["__str__", "group", "number", "state", "submitted_at", "is_late"]
    list_filter = ["state", "is_late", "group__edition"]
    list_select_related = ["group"]
    search_fields = ["group__name"]
    date_hierarchy = "submitted_at"
    exclude = ["declaration"]
    inlines = [SubmissionChangeInline]


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(admin.ModelAdmin):
    list_display = ["edition", "aggregation", "reviewers_per_submission", "blind", "review_deadline",
                    "round_closed_at", "scores_released_at"]  # fmt: skip
    list_select_related = ["edition"]
    search_fields = ["edition__title", "edition__slug"]
    # Moments of the workflow: set by the chair's and organisers' buttons, which keep their audit entries.
    readonly_fields = ["round_closed_at", "defense_closed_at", "scores_released_at"]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "edition", "rubric", "position", "scale_min", "scale_max", "weight", "informational"]
    list_filter = ["rubric", "informational", "edition"]
    list_select_related = ["edition"]
    search_fields = ["name_fr", "name_en"]


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(ReadOnlyAdmin):
    list_display = ["juror", "group", "kind", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status", "kind", "group__edition"]
    list_select_related = ["juror", "group", "decided_by"]
    search_fields = ["juror__email", "juror__last_name", "group__name"]


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["juror", "group", "assigned_by", "assigned_at"]
    list_filter = ["group__edition"]
    list_select_related = ["juror", "group", "assigned_by"]
    search_fields = ["juror__email", "juror__last_name", "group__name"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    """Who reviewed what and when; the scores, comments and notes stay on the jury's pages."""

    list_display = ["juror", "submission", "state", "updated_at", "submitted_at"]
    list_filter = ["state", "submission__group__edition"]
    list_select_related = ["juror", "submission__group"]
    search_fields = ["juror__email", "juror__last_name", "submission__group__name"]
    fields = ["submission", "juror", "state", "created_at", "updated_at", "submitted_at"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["submission", "outcome", "decided_by", "decided_at", "released_at"]
    list_filter = ["outcome", "submission__group__edition"]
    list_select_related = ["submission__group", "decided_by"]
    search_fields = ["submission__group__name"]
    fields = ["submission", "outcome", "revision_deadline", "decided_by", "decided_at", "released_by", "released_at"]
