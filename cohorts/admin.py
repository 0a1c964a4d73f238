from django.contrib import admin

from malisig.sanitise import sanitise_html

from .models import (
    Edition,
    EditionRole,
    Invitation,
    Masterclass,
    Message,
    MessageRecipient,
    MessageTemplate,
    Phase,
    School,
)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["acronym", "name", "country"]
    prepopulated_fields = {"slug": ["acronym"]}


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class MasterclassInline(admin.TabularInline):
    model = Masterclass
    extra = 0


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["title", "school", "year", "number", "status"]
    list_filter = ["school", "status"]
    list_select_related = ["school"]
    inlines = [PhaseInline, MasterclassInline]

    def save_model(self, request, obj, form, change):
        # Pages render the stored concept note as is: the admin sanitises it like the organisers' form does.
        obj.concept_note = sanitise_html(obj.concept_note)
        super().save_model(request, obj, form, change)


@admin.register(EditionRole)
class EditionRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "edition", "role", "granted_at"]
    list_filter = ["role", "edition"]
    list_select_related = ["user", "edition"]
    search_fields = ["user__email", "user__last_name"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["granted_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "edition", "role", "created_at", "sent_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "edition"]
    list_select_related = ["edition"]
    search_fields = ["email"]
    readonly_fields = ["sent_at", "accepted_at", "accepted_by", "revoked_at", "renewal_requested_at"]
    raw_id_fields = ["invited_by"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "edition", "subject_fr", "updated_at"]
    list_filter = ["edition"]
    list_select_related = ["edition"]
    search_fields = ["name", "subject_fr", "subject_en"]


class MessageRecipientInline(admin.TabularInline):
    model = MessageRecipient
    fields = ["email", "language", "state", "reason", "attempts", "sent_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["subject_fr", "edition", "segment_label", "state", "created_at", "queued_at", "sent_at"]
    list_filter = ["state", "edition"]
    list_select_related = ["edition"]
    search_fields = ["subject_fr", "subject_en", "segment_label", "key"]
    readonly_fields = ["state", "key", "segment", "created_by", "created_at", "sent_by", "queued_at", "sent_at"]
    raw_id_fields = ["template"]
    inlines = [MessageRecipientInline]


@admin.register(MessageRecipient)
class MessageRecipientAdmin(admin.ModelAdmin):
    """Delivery records: read-only (the workers write them)."""

    list_display = ["email", "message", "state", "attempts", "reason", "sent_at"]
    list_filter = ["state", "message__edition"]
    list_select_related = ["message"]
    search_fields = ["email", "name", "message__subject_fr"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
