"""Write a file atomically: a temporary file beside it, then a rename; the mode is kept."""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from ..safefile import read_bytes


class ChangedMeanwhile(Exception):
    """The file is no longer what the diff was computed from."""


def write_atomic(path: Path, content: bytes, expected: bytes | None = None) -> None:
    """Replace `path` (a symlink's target, if it is one) with `content`.

    With `expected`, refuse when the file changed since it was read (another editor, a
    second `canvas-doctor fix`), so a shown diff is never applied to other content.
    """
    try:
        real = path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python 3.11)
        raise ChangedMeanwhile(f"{path} cannot be resolved: {exc}") from exc
    if expected is not None:
        current, why = read_bytes(real)
        if current is None:
            raise ChangedMeanwhile(f"{path} cannot be read again: it {why}")
        if current != expected:
            raise ChangedMeanwhile(f"{path} changed since the diff was shown")
    st = real.stat()
    if not stat.S_ISREG(st.st_mode):
        raise ChangedMeanwhile(f"{path} is no longer a regular file")
    mode = stat.S_IMODE(st.st_mode)
    fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
