"""Writing a file so that a reader never sees half of it, and removing what a killed writer
left behind."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, stale temporaries are kept
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

# ".<stem>-<mkstemp's 8 random characters>.tmp": the temporaries write_atomically makes.
_TEMPORARY = re.compile(r"\..+-[a-z0-9_]{8}\.tmp")


def write_atomically(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    The temporary name starts with a dot and ends in ``.tmp``, so nothing that globs for
    ``*.md`` or ``*.npy`` picks it up while it is written; it is removed if anything fails.
    It is flocked while it is written, so :func:`remove_stale_temporaries` can tell it from
    one left by a writer that was killed.

    Raises:
        OSError: the folder cannot be created or written; ``path`` is then unchanged.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            if fcntl is not None:
                fcntl.flock(out.fileno(), fcntl.LOCK_EX)  # released when the file is closed
            out.write(data)
            out.flush()
            if mode is not None:
                os.chmod(tmp, mode)
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(directory: Path) -> list[Path]:
    """Remove the temporaries of :func:`write_atomically` in ``directory`` that no writer
    holds any more (a kill during a write leaves one as large as the file it was to become).

    Never raises: a folder that cannot be listed or written keeps its files.

    Returns:
        The files removed.
    """
    if fcntl is None:  # pragma: no cover - Windows
        return []
    try:
        candidates = [p for p in Path(directory).iterdir() if _TEMPORARY.fullmatch(p.name)]
    except OSError:
        return []
    removed = []
    for path in candidates:
        if _is_abandoned(path):
            try:
                path.unlink()
            except OSError:  # read-only, or another process removed it first
                continue
            removed.append(path)
    if removed:
        logger.info("Removed %d stale temporary files from %s", len(removed), directory)
    return removed


def _is_abandoned(path: Path) -> bool:
    # A writer holds an exclusive flock on its temporary until it has renamed it: a free lock
    # means nobody will finish this file.
    try:
        with path.open("rb") as file:
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            with contextlib.suppress(OSError):
                fcntl.flock(file.fileno(), fcntl.LOCK_UN)
            return path.is_file() and not path.is_symlink()
    except OSError:
        return False
