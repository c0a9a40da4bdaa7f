"""Piccolo Admin for the ten app tables, mounted at ``/admin/`` by the app.

* :func:`build_admin` builds the admin ASGI app once (``create_admin``), with the
  tables grouped in the sidebar and the columns the admin must not touch kept out
  of its way: ``embedding`` (pgvector) and ``search_vector`` (tsvector) are
  maintained by the app and a trigger, the ``secret`` columns by auth and the
  GitHub integration. They are hidden from lists and filters, and removed from
  every write the admin makes (the edit form posts every field it shows, and
  an empty secret would otherwise wipe a password hash).
* :class:`AdminMount` adapts the admin to a Litestar ``asgi`` mount: it
  redirects ``/admin`` to ``/admin/`` (the page loads its assets and API by
  relative URLs) and gives the admin a proper ``root_path``.
* ``python -m tribe_service.admin dev-login URL`` (run by ``just dev``) prints
  how to log in; in development only, it creates an ``admin`` user with a
  random password, printed once, if no admin user exists yet.

Admins are Piccolo ``BaseUser`` rows (``piccolo_user``) with ``admin`` set; their
sessions live in ``sessions``. ``just admin-user`` creates one.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import Column
from piccolo.table import Table
from piccolo_admin.endpoints import TableConfig, create_admin
from piccolo_api.crud.endpoints import PiccoloCRUD
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from tribe_service.admin_login import AdminUser, NoLimit
from tribe_service.columns import TSVector, Vector
from tribe_service.config import Environment, Settings, settings_or_exit
from tribe_service.tables import (
    FeedEvent,
    Project,
    ProjectCollaborator,
    RefreshToken,
    Skill,
    Tribe,
    TribeMember,
    TribeOpenRole,
    User,
    UserSkill,
)
from tribe_service.validation import CHECKS, problems

logger = logging.getLogger(__name__)

SITE_NAME = "Find Your Tribe admin"
MOUNT_PATH = "/admin"
DEV_ADMIN_USERNAME = "admin"

# Sidebar group -> tables, in the order they appear.
MENU_GROUPS: dict[str, list[type[Table]]] = {
    "Builders": [User, Skill, UserSkill, RefreshToken],
    "Projects": [Project, ProjectCollaborator],
    "Tribes": [Tribe, TribeMember, TribeOpenRole],
    "Activity": [FeedEvent],
}

# The list view of the wide tables shows what identifies a row at a glance.
LIST_COLUMNS: dict[type[Table], list[Column]] = {
    User: [
        User.id,
        User.display_name,
        User.username,
        User.email,
        User.primary_role,
        User.availability_status,
        User.builder_score,
        User.onboarding_completed,
        User.created_at,
    ],
    Project: [
        Project.id,
        Project.title,
        Project.owner_id,
        Project.status,
        Project.github_stars,
        Project.created_at,
    ],
    Tribe: [
        Tribe.id,
        Tribe.name,
        Tribe.owner_id,
        Tribe.status,
        Tribe.max_members,
        Tribe.created_at,
    ],
}


def managed_columns(table: type[Table]) -> list[Column]:
    """Columns the admin shows nowhere and never writes.

    Vectors and tsvectors are kept up to date by the app and a trigger (and a
    1536-number vector is no use in a list); secrets are never sent to the admin,
    so its form could only send them back empty.
    """
    return [
        column
        for column in table._meta.columns
        if isinstance(column, Vector | TSVector) or column._meta.secret
    ]


def _drop_managed_values(table: type[Table]) -> Hook:
    """A PATCH hook removing every managed column from the values to write."""
    names = {column._meta.name for column in managed_columns(table)}

    def drop(row_id: Any, values: dict[Any, Any]) -> dict[Any, Any]:
        return {column: value for column, value in values.items() if column._meta.name not in names}

    return Hook(hook_type=HookType.pre_patch, callable=drop)


def _clear_managed_values(table: type[Table]) -> Hook:
    """A create hook: a new row gets no vector, tsvector or secret from the admin."""
    columns = managed_columns(table)

    def clear(row: Table) -> Table:
        for column in columns:
            setattr(row, column._meta.name, None)
        return row

    return Hook(hook_type=HookType.pre_save, callable=clear)


def _refuse_invalid(table: type[Table], values: dict[str, Any]) -> None:
    """A 422 naming every problem :mod:`tribe_service.validation` finds (the API's own checks)."""
    found = problems(table._meta.tablename, values)
    if found:
        raise HTTPException(status_code=422, detail=" ".join(p.message for p in found))


def _validated(table: type[Table]) -> list[Hook]:
    """Create and edit hooks holding the admin's writes to the API's validation."""

    def on_save(row: Table) -> Table:
        _refuse_invalid(
            table,
            {column._meta.name: getattr(row, column._meta.name) for column in table._meta.columns},
        )
        return row

    def on_patch(row_id: Any, values: dict[Any, Any]) -> dict[Any, Any]:
        named = {(c._meta.name if isinstance(c, Column) else c): v for c, v in values.items()}
        _refuse_invalid(table, named)
        return values

    return [
        Hook(hook_type=HookType.pre_save, callable=on_save),
        Hook(hook_type=HookType.pre_patch, callable=on_patch),
    ]


def _refuse_put(piccolo_crud: PiccoloCRUD, request: Request) -> None:
    """PUT would write managed columns past the hooks; the admin's UI only PATCHes."""
    raise HTTPException(status_code=405, detail="Use PATCH to change a row.")


def _refuse_write(piccolo_crud: PiccoloCRUD, request: Request) -> None:
    """Rows of a read-only table are written by the app alone."""
    raise HTTPException(status_code=405, detail="This table is read-only in the admin.")


# Tables the admin shows but never writes: refresh tokens are minted and revoked by auth.
READ_ONLY_TABLES: set[type[Table]] = {RefreshToken}
_READ_ONLY = Validators(
    post_single=[_refuse_write],
    put_single=[_refuse_write],
    patch_single=[_refuse_write],
    delete_single=[_refuse_write],
    delete_all=[_refuse_write],
)


def _grouped(hooks: list[Hook]) -> list[Hook] | None:
    """Hooks of one type next to each other: PiccoloCRUD groups them with an unsorted
    ``itertools.groupby``, so a type that comes back later would replace its first run."""
    return sorted(hooks, key=lambda hook: hook.hook_type.value) or None


def table_config(table: type[Table], menu_group: str) -> TableConfig:
    """How one table appears in the admin, with its managed columns out of the way.

    Managed columns are also ``secret`` (see :mod:`tribe_service.columns`), so the
    admin's API leaves them out of every answer, not only its pages.
    """
    hidden = managed_columns(table)
    visible = LIST_COLUMNS.get(table)
    validators = Validators(put_single=[_refuse_put]) if hidden else None
    if table in READ_ONLY_TABLES:
        validators = _READ_ONLY
    return TableConfig(
        table_class=table,
        menu_group=menu_group,
        visible_columns=visible,
        exclude_visible_columns=hidden if hidden and not visible else None,
        exclude_visible_filters=hidden or None,
        hooks=_grouped(
            [
                *([_drop_managed_values(table), _clear_managed_values(table)] if hidden else []),
                *(_validated(table) if table._meta.tablename in CHECKS else []),
            ]
        ),
        validators=validators,
    )


def admin_table_configs() -> list[TableConfig]:
    """The ten app tables, grouped."""
    return [table_config(table, group) for group, tables in MENU_GROUPS.items() for table in tables]


def build_admin(settings: Settings) -> ASGIApp:
    """The Piccolo Admin ASGI app; build it once per app.

    In production its session cookie is ``Secure`` (HTTPS only); elsewhere plain
    HTTP works. Behind HTTPS its CSRF check accepts a write only from a host listed
    in ``ADMIN_ALLOWED_HOSTS``.
    """
    allowed_hosts = settings.admin_hosts
    if settings.is_production and not allowed_hosts:
        logger.warning(
            "ADMIN_ALLOWED_HOSTS is empty: behind HTTPS the admin refuses every login and"
            " change (its CSRF check wants the admin's host name listed there)"
        )
    return create_admin(
        tables=admin_table_configs(),
        auth_table=AdminUser,
        rate_limit_provider=NoLimit(),  # LoginThrottle counts failures instead
        production=settings.is_production,
        site_name=SITE_NAME,
        allowed_hosts=allowed_hosts,
        auto_include_related=False,  # all ten are listed; no surprise tables
        debug=settings.debug_enabled and not settings.is_production,
    )


class AdminMount:
    """Runs the admin under Litestar's ``asgi(MOUNT_PATH, is_mount=True)`` handler.

    Litestar hands a mounted app ``scope["path"]`` without the mount prefix and
    with a ``/`` always appended, so it cannot tell ``/admin`` from ``/admin/``, nor
    ``/openapi.json`` from ``/openapi.json/`` (which Starlette would redirect back,
    forever). This puts back the path the client asked for (minus the prefix);
    redirects ``/admin`` to ``/admin/`` (the page loads its assets and API by
    relative URLs); and gives the admin ``root_path`` set to the prefix, with
    ``path`` the full path, as Starlette expects, so the URLs it builds (its own
    trailing-slash redirects) keep the prefix.
    """

    def __init__(
        self, admin: ASGIApp, prefix: str = MOUNT_PATH, *, production: bool = False
    ) -> None:
        self.admin = admin
        self.prefix = prefix
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Redirect the bare prefix, else pass the request on with the prefix as ``root_path``."""
        root_path = scope.get("root_path", "") + self.prefix
        path = scope["path"]
        if self.production and scope["type"] == "http" and _is_api_description(path):
            await _not_found(send)
            return
        if not _asked_with_trailing_slash(scope):
            if path == "/":
                if scope["type"] == "http":
                    await _redirect(send, root_path + "/", scope.get("query_string", b""))
                    return
            elif path.endswith("/"):
                path = path[:-1]
        scope["root_path"] = root_path
        scope["path"] = root_path + path
        await self.admin(scope, receive, send)


# The admin's OpenAPI schema and Swagger pages (under /api/ and /public/): a map of
# the admin for whoever asks, so production does not serve them.
_API_DESCRIPTIONS = ("/openapi.json", "/docs")


def _is_api_description(path: str) -> bool:
    return any(
        path.startswith(f"/{app}{suffix}")
        for app in ("api", "public")
        for suffix in _API_DESCRIPTIONS
    )


async def _not_found(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"9")],
        }
    )
    await send({"type": "http.response.body", "body": b"Not Found"})


def _asked_with_trailing_slash(scope: Scope) -> bool:
    """Whether the client's own path ends in ``/`` (``True`` when that is unknown)."""
    raw_path = scope.get("raw_path")
    if not raw_path:
        return True
    # httpx's test transport puts the query string into raw_path; servers do not.
    return raw_path.split(b"?", 1)[0].endswith(b"/")


async def _redirect(send: Send, location: str, query: bytes) -> None:
    """A permanent redirect (308 keeps the method) to ``location`` with the same query."""
    if query:
        location = f"{location}?{query.decode('latin-1')}"
    await send(
        {
            "type": "http.response.start",
            "status": 308,
            "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


# --------------------------------------------------------------------------- dev login


async def ensure_dev_admin(settings: Settings) -> tuple[str, str | None]:
    """Make sure someone can log in to the admin in development.

    Returns ``(username, password)``: ``password`` is a new random one when this
    call created the user, else ``None``. Outside development nothing is created
    (no default admin may exist in production) and ``("", None)`` is returned when
    no admin exists.
    """
    existing = (
        await BaseUser.select(BaseUser.username)
        .where(BaseUser.admin.eq(True), BaseUser.active.eq(True))
        .order_by(BaseUser.id)
        .first()
    )
    if existing is not None:
        return existing["username"], None
    if settings.environment is not Environment.DEVELOPMENT:
        return "", None
    if await BaseUser.exists().where(BaseUser.username == DEV_ADMIN_USERNAME):
        return "", None  # an inactive or non-admin "admin": leave it to a human
    password = secrets.token_urlsafe(12)
    await BaseUser.create_user(
        username=DEV_ADMIN_USERNAME,
        password=password,
        email=f"{DEV_ADMIN_USERNAME}@localhost",
        admin=True,
        superuser=True,
        active=True,
    )
    return DEV_ADMIN_USERNAME, password


def dev_login_message(url: str, username: str, password: str | None) -> str:
    """What ``just dev`` prints about the admin."""
    if password is not None:
        return (
            f"Piccolo Admin: {url}  (user {username!r}, password {password!r};\n"
            "  a development-only admin with a random password, shown this once:\n"
            "  `.venv/bin/piccolo user change_password admin` sets a new one)"
        )
    if username:
        return f"Piccolo Admin: {url}  (log in as an admin user, e.g. {username!r}; `just admin-user` adds one)"
    return f"Piccolo Admin: {url}  (no admin user yet: create one with `just admin-user`)"


def main(argv: Sequence[str]) -> int:
    """``python -m tribe_service.admin dev-login URL``."""
    if len(argv) != 2 or argv[0] != "dev-login":
        print("usage: python -m tribe_service.admin dev-login URL", file=sys.stderr)
        return 2
    url = argv[1]
    if urlsplit(url).scheme not in {"http", "https"}:
        print(f"not an http(s) URL: {url}", file=sys.stderr)
        return 2
    username, password = asyncio.run(ensure_dev_admin(settings_or_exit()))
    print(dev_login_message(url, username, password))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
