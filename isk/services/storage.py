"""Writing kept files (populations, evidence) whole or not at all.

A file is written under a temporary name in its folder, flushed to disk and renamed into
place, so a crash or a full disk never leaves part of a file under its real name. A folder
ISK may not write to becomes a `StorageError` (503, a message for the user, the cause in
the log) instead of a server error.

A file that belongs to a database row (an evidence file) is written before the row is
committed; `discard_on_rollback` removes it again if that transaction rolls back (a later file
of the same upload cannot be written, the commit fails), so no file is left that no row names.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from .errors import StorageError

ABANDONED_AFTER_SECONDS = 24 * 60 * 60
_NEW_FILES = "isk_files_written_in_transaction"


def write_whole(path: Path, source: BinaryIO | bytes, field: str | None = None) -> None:
    """Write `source` to `path` atomically; StorageError if the folder cannot be written."""
    partial: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(path.parent)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".partial-",
                                         delete=False) as handle:
            partial = Path(handle.name)
            if isinstance(source, bytes):
                handle.write(source)
            else:
                shutil.copyfileobj(source, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
        partial = None
    except OSError as error:
        raise unwritable(error, field) from error
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
    _sync_directory(path.parent)


def discard_on_rollback(session: Session, path: Path) -> None:
    """Remove `path` if the session's transaction rolls back; keep it once it commits."""
    session.info.setdefault(_NEW_FILES, []).append(path)


@event.listens_for(Session, "after_commit")
def _keep_written_files(session: Session) -> None:
    session.info.pop(_NEW_FILES, None)


@event.listens_for(Session, "after_rollback")
def _remove_written_files(session: Session) -> None:
    for path in session.info.pop(_NEW_FILES, []):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _remove_abandoned(folder: Path) -> None:
    """Temporary files a killed process left behind (never under a real name): gone after a day."""
    cutoff = time.time() - ABANDONED_AFTER_SECONDS
    for partial in folder.glob(".partial-*"):
        with contextlib.suppress(OSError):
            if partial.stat().st_mtime < cutoff:
                partial.unlink()


def unwritable(error: OSError, field: str | None = None) -> StorageError:
    current_app.logger.error("could not write a kept file: %s", error)
    return StorageError(
        _("Filen kunde inte sparas på servern, så inget har sparats. Försök igen senare och "
          "kontakta systemförvaltaren om felet kvarstår (mappen för filer går inte att skriva "
          "till eller är full)."),
        field,
    )


def has_checksum(path: Path, checksum: str) -> bool:
    """Is the file there with exactly these bytes (SHA-256)?"""
    if not path.is_file():
        return False
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest() == checksum


def _sync_directory(folder: Path) -> None:
    """Make the rename itself durable (POSIX: fsync the directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # not every file system syncs directories; the rename is atomic all the same
    finally:
        os.close(fd)
