from django.contrib import admin
from django.http import HttpRequest


class CareAdminSite(admin.AdminSite):
    """The admin site, for admins only: supervisors and agents work in the app."""

    site_header = "care admin"
    site_title = "care admin"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if user.is_superuser:
            return True
        agent = getattr(user, "agent", None)
        return agent is not None and agent.role == agent.Role.ADMIN
