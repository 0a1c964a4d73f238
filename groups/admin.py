from django.contrib import admin

from .models import Formation, Group, Membership, PlacementChange, StakeholderType


@admin.register(StakeholderType)
class StakeholderTypeAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "name_en", "code", "edition", "position"]
    list_filter = ["edition"]
    list_select_related = ["edition"]
    search_fields = ["name_fr", "name_en", "code"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "group"
    extra = 0
    raw_id_fields = ["user", "placed_by"]
    exclude = ["edition", "notified_group"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "stakeholder_type", "edition", "mentor", "max_size"]
    list_filter = ["edition"]
    search_fields = ["name", "mentor__email", "mentor__last_name"]
    list_select_related = ["stakeholder_type", "edition", "mentor"]
    raw_id_fields = ["mentor"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        for membership in formset.save(commit=False):
            membership.edition_id = form.instance.edition_id
            membership.save()
        for removed in formset.deleted_objects:
            removed.delete()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Who sits where, searchable across editions. Placing people is the formation page's job (it keeps the trail)."""

    list_display = ["user", "group", "edition", "group_role", "pinned", "placed_at"]
    list_filter = ["edition", "group_role", "pinned"]
    list_select_related = ["user", "group", "edition"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "group__name"]
    raw_id_fields = ["user", "group", "placed_by"]
    readonly_fields = ["edition", "notified_group", "placed_at", "placed_by"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        obj.edition_id = obj.group.edition_id  # the database's one-group-per-edition rule reads it
        super().save_model(request, obj, form, change)


@admin.register(Formation)
class FormationAdmin(admin.ModelAdmin):
    list_display = ["edition", "published_at", "published_by"]
    list_select_related = ["edition", "published_by"]
    search_fields = ["edition__title", "edition__slug"]
    readonly_fields = ["published_by"]


@admin.register(PlacementChange)
class PlacementChangeAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by the services."""

    list_display = ["at", "edition", "user", "from_group", "to_group", "by", "note"]
    list_filter = ["edition"]
    list_select_related = ["edition", "user", "from_group", "to_group", "by"]
    search_fields = ["user__email", "user__last_name", "note"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
