from django.contrib import admin
from django.http import HttpRequest

from care.models import Agent, AuditEvent, ServiceHeartbeat


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["display_name", "initials", "role", "capacity", "is_away"]
    list_filter = ["role", "is_away"]
    search_fields = ["display_name", "initials", "user__username"]
    # Agents are added and roles changed on the Team settings page, whose service
    # also moves the user between groups.
    readonly_fields = ["role"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "target_repr"]
    list_filter = ["verb"]
    search_fields = ["verb", "target_repr"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ServiceHeartbeat)
class ServiceHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["service", "hostname", "beat_at"]
