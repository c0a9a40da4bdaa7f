"""Piccolo's configuration: the engine for ``DATABASE_URL`` and the registered apps.

Piccolo's CLI (``piccolo migrations ...``, ``piccolo tribe_service seed``), the
tables and the app all find the engine here.
"""

from piccolo.conf.apps import AppRegistry

from tribe_service.config import settings_or_exit
from tribe_service.engine import build_engine

DB = build_engine(settings_or_exit())

APP_REGISTRY = AppRegistry(
    apps=[
        "piccolo_app",
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
    ]
)
