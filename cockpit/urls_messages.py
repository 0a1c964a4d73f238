"""URLs of the cockpit: messages (the outbox is the entry page: cockpit:outbox)."""

from django.urls import path

from .views import messages

_BASE = "<slug:slug>/cockpit/messages/"

urlpatterns = [
    path(_BASE, messages.outbox_page, name="outbox"),
    path(f"{_BASE}actions/", messages.outbox_action, name="outbox_action"),
    path(f"{_BASE}nouveau/", messages.message_compose, name="message_compose"),
    path(f"{_BASE}rappel/", messages.message_remind, name="message_remind"),
    path(f"{_BASE}modeles/", messages.template_list, name="message_templates"),
    path(f"{_BASE}modeles/nouveau/", messages.template_edit, name="message_template_create"),
    path(f"{_BASE}modeles/<int:pk>/", messages.template_edit, name="message_template_edit"),
    path(f"{_BASE}<int:pk>/", messages.message_detail, name="message_detail"),
    path(f"{_BASE}<int:pk>/modifier/", messages.message_edit, name="message_edit"),
]
