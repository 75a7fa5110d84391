"""Cached figures by family, scope and arguments, invalidated on write.

A cached read names its family of figures (``"inspections.split"``), the
viewer (whose scope signature goes into the key: a superuser, the sorted unit
paths of a staff user's roles, or nobody), and the call's arguments. The key
also holds the current generation of each family the figures depend on: a
write bumps its family's generation after the transaction commits, so that
the next read computes anew; the old entries are never read again and expire
by their TTL, which is only a safety net.

Generations are kept per unit subtree as well as per family: a write in a
unit bumps the generations of the unit and every unit above it (and of the
whole tree, which superusers' entries read), so an officer of another part of
the union keeps their entries. A write with no unit bumps the family's epoch,
which every entry of the family reads.

A generation missing from the cache (never set, or evicted) is started at the
clock's nanoseconds, never at zero, so that a lost counter cannot bring an
old entry back.
"""

import hashlib
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model

from members.models import Unit
from members.scope import staff_unit_paths

T = TypeVar("T")
DEFAULT_TTL = 600  # seconds: the safety net under the generations
_PREFIX = "scoped"

# The members' own families, bumped by members.receivers.register and the bulk
# writes of the register; other apps' figures name them in ``depends``.
REGISTER = "members.register"  # members, relatives, care, transfers
UNITS = "members.units"  # the tree: names and paths
CONSENT = "members.consent"  # consents given and withdrawn
# Every family at once: for bulk writes that bypass the services and their
# signals (seed_demo --scale full's COPY), which could change any figure.
EVERYTHING = "scoped.everything"
_ALL = "*"


class _Public:
    """The viewer of figures that are the same for everyone allowed to ask."""

    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC = _Public()


def scope_signature(user) -> str:
    """Return what the user's scope looks like in a key.

    ``"*"`` for a superuser (all), the sorted unit paths of a staff user's
    roles joined by commas (``members.scope.staff_unit_paths``), ``"-"`` for
    anyone who sees nothing, ``"public"`` for ``PUBLIC``. Two users get the
    same signature exactly when the scope shows them the same rows; a user
    whose roles changed gets a new one on their next request.
    """
    if user is PUBLIC:
        return "public"
    paths = staff_unit_paths(user)
    if paths is None:
        return _ALL
    return ",".join(paths) if paths else "-"


def _gen_key(family: str, part: str) -> str:
    return f"{_PREFIX}-gen:{family}:{part}"


def _generations(keys: list[str]) -> list[int]:
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    for key in missing:
        cache.add(key, time.time_ns(), None)
    if missing:
        found.update(cache.get_many(missing))
    return [found.get(key, 0) for key in keys]


def _plain_args(args: tuple) -> str:
    for arg in args:
        if isinstance(arg, Model):
            raise TypeError("Pass ids or paths to a cached read, not model instances.")
        if not isinstance(arg, str | int | float | bool | date | datetime | None):
            raise TypeError(f"A cached read's argument must be plain: {arg!r}.")
    return repr(args)


def scoped_key(
    family: str,
    *,
    user,
    args: tuple = (),
    depends: Iterable[str] = (),
    subtree: str | None = None,
) -> str:
    """Return the cache key of a family's figures for this viewer and arguments.

    ``user``: the viewer, or ``PUBLIC`` for figures the caller has already
    decided anyone asking may see (the arguments then name what they are of,
    e.g. a grassroots union's path). ``args``: plain values only (str, int,
    float, bool, date, None), never model instances (TypeError); include the
    language when the figures hold translated text. ``depends``: other
    families whose writes change these figures too. ``subtree``: the path of
    the unit the figures are of, when narrower than the scope: the entry then
    follows that subtree's generations; otherwise those of the scope's units
    (of the whole tree for a superuser or ``PUBLIC``).
    """
    signature = scope_signature(user)
    if subtree is not None:
        parts = [subtree]
    elif signature in (_ALL, "public", "-"):
        parts = [_ALL]
    else:
        parts = signature.split(",")
    families = [family, *(name for name in depends if name != family)]
    gen_keys = [_gen_key(EVERYTHING, "epoch")]
    for name in families:
        gen_keys.append(_gen_key(name, "epoch"))
        gen_keys.extend(_gen_key(name, part) for part in parts)
    generations = _generations(gen_keys)
    raw = "|".join(
        [signature, subtree or "", _plain_args(tuple(args)), *map(str, generations)]
    )
    digest = hashlib.sha256(raw.encode()).hexdigest()[:40]
    return f"{_PREFIX}:{family}:{digest}"


def scoped_cached(
    family: str,
    compute: Callable[[], T],
    *,
    user,
    args: tuple = (),
    depends: Iterable[str] = (),
    subtree: str | None = None,
    ttl: int = DEFAULT_TTL,
) -> T:
    """Return the figures from the cache, or ``compute()`` them and keep them.

    The key is ``scoped_key(...)`` (same arguments): a viewer of another
    scope, or a read after a write of the family (or of one it depends on)
    was committed, never gets these figures. ``compute`` must read through
    the same scope (the cache adds none) and return something picklable;
    ``None`` is not kept. ``ttl`` seconds is only the longest an entry lives
    when no write bumps it.
    """
    key = scoped_key(family, user=user, args=args, depends=depends, subtree=subtree)
    value = cache.get(key)
    if value is None:
        value = compute()
        if value is not None:
            cache.set(key, value, ttl)
    return value


def cache_bump(families: str | Iterable[str], *, paths: Iterable[str] = ()) -> None:
    """Make every entry of the families that the write could change unreadable.

    ``paths``: the units written in (a member's unit, old and new for a
    transfer): the generations of each, of every unit above it and of the
    whole tree are bumped. No paths: the families' epochs, every entry.
    Call it after the commit (``cache_bump_on_commit``), so that no reader
    caches the rows as they were before it under the new generation.
    """
    names = [families] if isinstance(families, str) else list(families)
    parts: set[str] = set()
    for path in paths:
        parts.update(Unit.lineage_paths(path))
    parts = {_ALL, *parts} if parts else {"epoch"}
    for name in names:
        for part in sorted(parts):
            key = _gen_key(name, part)
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, time.time_ns(), None)


def cache_bump_everything() -> None:
    """Make every scoped entry of every family unreadable (after bulk writes)."""
    cache_bump(EVERYTHING)


class _Pending:
    """The bumps asked for in one transaction, made by one callback after commit."""

    def __init__(self):
        self.bumps: set[tuple[str, str | None]] = set()

    def flush(self) -> None:
        bumps = sorted(self.bumps, key=lambda bump: (bump[0], bump[1] or ""))
        self.bumps.clear()
        families: dict[str, list[str]] = {}
        for family, path in bumps:
            families.setdefault(family, [])
            if path is not None:
                families[family].append(path)
        for family, paths in families.items():
            # A bump of the whole family makes its paths' bumps needless.
            cache_bump(family, paths=[] if (family, None) in bumps else paths)


def cache_bump_on_commit(
    families: str | Iterable[str], *, paths: Iterable[str] | None = None
) -> None:
    """``cache_bump`` once the current transaction commits (at once outside one).

    ``paths`` None or empty bumps the whole families. The bumps asked for on
    one connection are gathered: the first callback to run after a commit
    makes them all, each once, and the others find nothing left to do, so a
    transaction that saved a thousand rows bumps each generation once. A
    write rolled back bumps nothing by itself (its callback is dropped); what
    it asked for may be bumped with the next commit, which is harmless. A
    failing cache does not undo a write already committed (the callback is
    robust: logged, not raised).
    """
    names = [families] if isinstance(families, str) else list(families)
    wanted = [path for path in paths or () if path]
    connection = transaction.get_connection()
    pending = getattr(connection, "_cache_bumps", None)
    if pending is None:
        pending = connection._cache_bumps = _Pending()
    for name in names:
        if wanted:
            pending.bumps.update((name, path) for path in wanted)
        else:
            pending.bumps.add((name, None))
    if connection.in_atomic_block:
        transaction.on_commit(pending.flush, robust=True)
    else:
        pending.flush()
