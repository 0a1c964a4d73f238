from django.contrib import admin

from .models import Assignment, Question


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["title_fr", "edition"]
    inlines = [QuestionInline]
