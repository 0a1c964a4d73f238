"""The admin for site staff: list filters, search, read-only where the record is evidence."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Certificate, CertificateBatch, CertificateRules, Report


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the cockpit's services and tasks only: staff read, never add nor change."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CertificateRules)
class CertificateRulesAdmin(admin.ModelAdmin):
    list_display = ["edition", "course_completed", "min_attendance", "group_submitted", "signatory_name", "updated_at"]
    list_select_related = ["edition"]
    search_fields = ["edition__title", "edition__slug"]
    readonly_fields = ["updated_at"]


class RevokedFilter(admin.SimpleListFilter):
    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("yes", _("Revoked")), ("no", _("Valid"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        return queryset


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["code", "full_name", "edition", "kind", "language", "issued_at", "revoked_at"]
    list_filter = ["edition", "kind", RevokedFilter, "language"]
    list_select_related = ["edition"]
    search_fields = ["code", "full_name", "user__email"]
    date_hierarchy = "issued_at"
    # The code is printed on paper and the file is what was issued: evidence, never edited here.
    readonly_fields = ["code", "file", "issued_at", "issued_by", "revoked_by"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:  # as printed: the person, edition, kind and name of an issued certificate stay
            fields += ["edition", "user", "kind", "full_name", "language"]
        return fields


@admin.register(CertificateBatch)
class CertificateBatchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "edition", "kind", "status", "done", "total", "created_by", "finished_at"]
    list_filter = ["status", "kind", "edition"]
    list_select_related = ["edition", "created_by"]
    search_fields = ["edition__title", "edition__slug", "error"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "edition", "kind", "format", "language", "finished_at", "requested_by"]
    list_filter = ["kind", "format", "language", "edition"]
    list_select_related = ["edition", "requested_by"]
    search_fields = ["edition__title", "edition__slug", "version_key"]
