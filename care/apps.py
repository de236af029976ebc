from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class CareConfig(AppConfig):
    default = True
    name = "care"
    verbose_name = "Care"

    def ready(self) -> None:
        from care.roles import sync_role_groups

        # Permissions are created after migrate, so the groups follow them then.
        post_migrate.connect(sync_role_groups, sender=self)


class CareAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "care.admin_site.CareAdminSite"
