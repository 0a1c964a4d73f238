from django.contrib import admin

from .models import Group, Membership, StakeholderType


@admin.register(StakeholderType)
class StakeholderTypeAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "name_en", "edition", "position"]
    list_filter = ["edition"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    exclude = ["edition"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "stakeholder_type", "edition"]
    list_filter = ["edition"]
    list_select_related = ["stakeholder_type", "edition"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        for membership in formset.save(commit=False):
            membership.edition_id = form.instance.edition_id
            membership.save()
        for removed in formset.deleted_objects:
            removed.delete()
