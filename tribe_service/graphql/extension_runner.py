"""Strawberry's schema-extension runner, without re-inspecting every hook on every request.

Strawberry builds fresh extensions per request (they keep per-request state), and
for each of the four lifecycle stages its runner inspects every extension's hook
(``inspect.isgeneratorfunction``) and wraps it with ``contextlib.contextmanager``
(``functools.wraps`` included): about fifty inspections and wrappers per request
with this schema's thirteen extensions, a fifth of a compiled tribe page's CPU in
Strawberry (``docs/performance.md``, issue 20). Which kind of function a class's
hook is never changes, so :class:`CachedHooksRunner` works it out once per class
and stage; entering and leaving the hooks is Strawberry's own code, in the same
order, with the same context managers, so every extension sees what it saw before.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from functools import partial
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

# (extension class, hook name) -> how to wrap its hook: None when the class keeps
# SchemaExtension's default (no hook), else (function, is a generator, is async).
_HOOK_KINDS: dict[tuple[type, str], tuple[Callable[..., Any], bool, bool] | None] = {}


def _hook_kind(
    extension_class: type, hook_name: str
) -> tuple[Callable[..., Any], bool, bool] | None:
    key = (extension_class, hook_name)
    if key not in _HOOK_KINDS:
        function = getattr(extension_class, hook_name)
        if function is getattr(SchemaExtension, hook_name):
            _HOOK_KINDS[key] = None
        elif inspect.isgeneratorfunction(function):
            _HOOK_KINDS[key] = (function, True, False)
        elif inspect.isasyncgenfunction(function):
            _HOOK_KINDS[key] = (function, True, True)
        else:  # a plain (or coroutine) function: Strawberry's own wrapping, per request
            _HOOK_KINDS[key] = (function, False, False)
    return _HOOK_KINDS[key]


class _CachedHooks(ExtensionContextManagerBase):
    """A stage's hooks, classified from the cache instead of inspected again."""

    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        """The extension's hook for this stage, as Strawberry would wrap it."""
        kind = _hook_kind(type(extension), self.HOOK_NAME)
        if kind is None:
            return None
        function, is_generator, is_async = kind
        if not is_generator:
            return super().get_hook(extension)
        # What contextlib.(async)contextmanager's wrapper builds on each call,
        # without building the wrapper (and copying its metadata) per request.
        manager: Any = (
            contextlib._AsyncGeneratorContextManager
            if is_async
            else contextlib._GeneratorContextManager
        )
        return WrappedHook(extension, partial(manager, function, (extension,), {}), is_async)


class _Operation(_CachedHooks, OperationContextManager):
    pass


class _Validation(_CachedHooks, ValidationContextManager):
    pass


class _Parsing(_CachedHooks, ParsingContextManager):
    pass


class _Executing(_CachedHooks, ExecutingContextManager):
    pass


class CachedHooksRunner(SchemaExtensionsRunner):
    """Strawberry's runner, its stages' hooks classified once per extension class."""

    def operation(self) -> OperationContextManager:
        """The operation stage's hooks."""
        return _Operation(self.extensions)

    def validation(self) -> ValidationContextManager:
        """The validation stage's hooks."""
        return _Validation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        """The parsing stage's hooks."""
        return _Parsing(self.extensions)

    def executing(self) -> ExecutingContextManager:
        """The execution stage's hooks."""
        return _Executing(self.extensions)
