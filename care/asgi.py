"""ASGI entry point, for servers that stream (live inbox updates)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care.settings")
application = get_asgi_application()
