"""A lock every worker process respects: "is someone already polling this account?"

With Redis (CI, docker-compose, production) it is a Redis lock with an expiry, so a
worker killed with -9 cannot hold it forever. The demo has no Redis and runs on one
machine: there it is an OS file lock, which the kernel releases when its process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings
from redis.lock import Lock as RedisLock


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


class Lease:
    """A held (or refused) lock; `renew()` pushes its expiry back during long work."""

    def __init__(self, acquired: bool, lock: RedisLock | None = None, ttl: int = 0) -> None:
        self.acquired = acquired
        self._lock = lock
        self._ttl = ttl

    def __bool__(self) -> bool:
        return self.acquired

    def renew(self) -> None:
        if self._lock is not None and self.acquired:
            self._lock.reacquire()


@contextmanager
def try_lock(name: str, *, expires_after: int) -> Iterator[Lease]:
    """Hold the lock `name` (truthy Lease), or get a falsy Lease at once if another holds it.

    The Redis lock expires `expires_after` seconds after it was taken or last renewed,
    so a worker killed mid-work blocks the next one for at most that long.
    """
    if settings.REDIS_URL:
        lock = _redis().lock(f"care:lock:{name}", timeout=expires_after, blocking=False)
        acquired = bool(lock.acquire(blocking=False))
        try:
            yield Lease(acquired, lock, expires_after)
        finally:
            if acquired:
                # It may have expired while we worked; nobody else is harmed by that.
                with contextlib.suppress(redis.exceptions.LockError):
                    lock.release()
        return
    folder = settings.VAR_DIR / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield Lease(False)
            return
        try:
            yield Lease(True)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
