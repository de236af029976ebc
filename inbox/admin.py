from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from inbox.models import (
    ChannelAccount,
    Conversation,
    Customer,
    CustomerIdentity,
    Department,
    InternalNote,
    Message,
    Tag,
)


class ChannelAccountForm(forms.ModelForm):
    # Write-only: the stored credentials are never rendered back into the page.
    new_credentials = forms.CharField(
        label=_("New credentials (JSON)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the saved credentials. They are never shown again."),
    )

    class Meta:
        model = ChannelAccount
        fields = ["platform", "external_id", "name", "status"]

    def clean_new_credentials(self) -> dict[str, Any] | None:
        raw = self.cleaned_data["new_credentials"].strip()
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Credentials must be a JSON object.")) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Credentials must be a JSON object."))
        return value


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    form = ChannelAccountForm
    list_display = [
        "name",
        "platform",
        "external_id",
        "status",
        "has_credentials",
        "last_success_at",
    ]
    list_filter = ["platform", "status"]
    readonly_fields = ["last_polled_at", "last_success_at", "last_error", "last_error_at"]

    @admin.display(boolean=True, description=_("credentials saved"))
    def has_credentials(self, obj: ChannelAccount) -> bool:
        return obj.has_credentials

    def save_model(
        self, request: HttpRequest, obj: ChannelAccount, form: Any, change: bool
    ) -> None:
        credentials = form.cleaned_data.get("new_credentials")
        if credentials is not None:
            obj.set_credentials(credentials)
        super().save_model(request, obj, form, change)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "lead"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]


class IdentityInline(admin.TabularInline):
    model = CustomerIdentity
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "is_vip", "merged_into", "created_at"]
    inlines = [IdentityInline]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "channel_account", "customer", "status", "priority", "assignee"]
    list_filter = ["status", "priority", "channel_account"]
    raw_id_fields = ["customer", "assignee", "merged_into"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["external_id", "channel_account", "direction", "kind", "platform_created_at"]
    list_filter = ["direction", "kind", "channel_account"]
    raw_id_fields = ["conversation", "author_identity", "author_agent"]
    search_fields = ["external_id", "text"]


admin.site.register(Tag)
admin.site.register(InternalNote)
