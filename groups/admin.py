from django.contrib import admin

from .models import Formation, Group, Membership, PlacementChange, StakeholderType


@admin.register(StakeholderType)
class StakeholderTypeAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "name_en", "edition", "position"]
    list_filter = ["edition"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "group"
    extra = 0
    raw_id_fields = ["user", "placed_by"]
    exclude = ["edition", "notified_group"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "stakeholder_type", "edition", "max_size"]
    list_filter = ["edition"]
    search_fields = ["name"]
    list_select_related = ["stakeholder_type", "edition"]
    raw_id_fields = ["mentor"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        for membership in formset.save(commit=False):
            membership.edition_id = form.instance.edition_id
            membership.save()
        for removed in formset.deleted_objects:
            removed.delete()


@admin.register(Formation)
class FormationAdmin(admin.ModelAdmin):
    list_display = ["edition", "published_at"]
    readonly_fields = ["published_by"]


@admin.register(PlacementChange)
class PlacementChangeAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by the services."""

    list_display = ["at", "edition", "user", "from_group", "to_group", "by", "note"]
    list_filter = ["edition"]
    list_select_related = ["edition", "user", "from_group", "to_group", "by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
