"""One registry mechanism for tokenizers, segmenters and corpora.

Built-in entries register themselves by name; third-party packages add entries through the
entry-point groups ``tokeff.tokenizers``, ``tokeff.segmenters`` and ``tokeff.corpora``
(each entry point names a factory). Backends are imported lazily, only when an entry is used.
A registered name wins over an entry point of the same name, so entry points are looked up
(a scan of every installed distribution) only for a name nobody registered.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

from .errors import UsageError

if TYPE_CHECKING:
    from importlib import metadata

T = TypeVar("T")


class Registry(Generic[T]):
    """A name -> factory mapping with entry-point discovery.

    >>> r: Registry[int] = Registry("thing", "tokeff.things")
    >>> r.register("one", lambda: 1)
    >>> r.create("one")
    1
    """

    def __init__(self, kind: str, group: str):
        self.kind = kind
        self.group = group
        self._factories: dict[str, Callable[..., T]] = {}
        self._entry_points_loaded = False

    def register(self, name: str, factory: Callable[..., T], *, replace: bool = False) -> None:
        if name in self._factories and not replace:
            raise UsageError(f"a {self.kind} named {name!r} is already registered (pass replace=True)")
        self._factories[name] = factory

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        # Imported here: importlib.metadata and the scan of every installed distribution cost
        # ~0.1 s, which a run naming only built-in entries never needs (they win over entry
        # points of the same name, so a built-in name is answered without the scan).
        from importlib import metadata

        self._entry_points_loaded = True
        for ep in metadata.entry_points(group=self.group):
            if ep.name not in self._factories:
                self._factories[ep.name] = _LazyEntryPoint(ep)

    def registered(self, name: str) -> bool:
        """Whether ``name`` was registered (entry points not consulted)."""
        return name in self._factories

    def __contains__(self, name: object) -> bool:
        if name in self._factories:
            return True
        self._load_entry_points()
        return name in self._factories

    def names(self) -> list[str]:
        self._load_entry_points()
        return sorted(self._factories)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def factory(self, name: str) -> Callable[..., T]:
        if name in self._factories:
            return self._factories[name]
        self._load_entry_points()
        try:
            return self._factories[name]
        except KeyError:
            raise UsageError(self.unknown_message(name)) from None

    def registered_factory(self, name: str) -> Callable[..., T] | None:
        """The factory registered in this process under ``name``, or None; entry points are not
        scanned (they never replace a name registered here)."""
        return self._factories.get(name)

    def create(self, name: str, *args: object, **kwargs: object) -> T:
        return self.factory(name)(*args, **kwargs)

    def unknown_message(self, name: str) -> str:
        names = self.names()
        close = difflib.get_close_matches(name, names, n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return (
            f"unknown {self.kind} {name!r}.{hint} Available: {', '.join(names) or '(none)'}. "
            f"Third-party {self.kind}s register through the entry-point group {self.group!r}."
        )


class _LazyEntryPoint:
    def __init__(self, ep: metadata.EntryPoint):
        self.ep = ep

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self.ep.load()(*args, **kwargs)
