"""The one safe way to read a stack file, and to walk a folder of them.

Every file the doctor opens may be anything: a FIFO (reading blocks forever), a device (reads
without end), a socket, a symlink loop, a directory, gigabytes. :func:`read_bytes` refuses all of
those with a sentence a user can act on, and never blocks: only regular files are opened, with
O_NONBLOCK, checked again with fstat after opening, and read up to a cap. :func:`walk_files` lists
a folder tree bounded in depth and count, without following symlinked folders (so no loop).
"""
from __future__ import annotations

import errno
import fnmatch
import os
import stat
from pathlib import Path
from typing import Iterable

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 8        # folder levels below the walked folder
MAX_ENTRIES = 5000   # directory entries looked at in one walk

_KIND = {
    stat.S_IFIFO: "is a named pipe (FIFO), not a file",
    stat.S_IFCHR: "is a character device, not a file",
    stat.S_IFBLK: "is a block device, not a file",
    stat.S_IFSOCK: "is a socket, not a file",
    stat.S_IFDIR: "is a directory, not a file (a bind mount of a missing file creates one)",
}


def _kind(mode: int) -> str | None:
    """Why a file of this mode is not read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return _KIND.get(stat.S_IFMT(mode), "is not a regular file")


def _os_reason(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "is a symbolic link to a file that does not exist" if path.is_symlink() else "does not exist"
    if exc.errno == errno.ELOOP:
        return "is a symbolic link loop (it points back at itself)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read (permission denied)"
    if exc.errno == errno.ENOTDIR:
        return "does not exist (a folder on its path is a file)"
    if exc.errno == errno.ENAMETOOLONG:
        return "has a name too long to open"
    return f"cannot be read ({exc.strerror or exc})"


def read_bytes(path: Path, *, max_bytes: int = MAX_BYTES) -> tuple[bytes | None, str | None]:
    """The file's bytes, or None and why it has none (never blocks, never raises)."""
    try:
        st = os.stat(path)  # follows symlinks; a loop is ELOOP here
        why = _kind(st.st_mode)
        if why:
            return None, why
        if st.st_size > max_bytes:
            return None, f"is {st.st_size} bytes: too large to be a config file (the limit is {max_bytes})"
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags)
    except OSError as exc:
        return None, _os_reason(Path(path), exc)
    except ValueError:  # an embedded NUL in the name
        return None, "has a name that cannot be opened"
    try:
        st = os.fstat(fd)  # the file may have been swapped since the stat above
        why = _kind(st.st_mode)
        if why:
            return None, why
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            return None, f"is more than {max_bytes} bytes: too large to be a config file"
        return b"".join(chunks), None
    except OSError as exc:
        return None, _os_reason(Path(path), exc)
    finally:
        os.close(fd)


def decode_text(raw: bytes) -> tuple[str | None, str | None]:
    """UTF-8 text (a BOM is dropped), or None and a readable reason."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "is UTF-16 text: save it as UTF-8"
    if b"\x00" in raw:
        return None, "is binary, not text"
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, f"is not UTF-8 text (byte {exc.start}, line {line})"


def read_text(path: Path, *, max_bytes: int = MAX_BYTES) -> tuple[str | None, str | None]:
    """The file's text, or None and a readable reason why it has none."""
    raw, why = read_bytes(path, max_bytes=max_bytes)
    if raw is None:
        return None, why
    return decode_text(raw)


def _resolvable(path: str) -> bool:
    """False for a symlink loop (nothing to read, and Path.resolve raises on it)."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno != errno.ELOOP
    return True


def walk_files(base: Path, patterns: Iterable[str], *, max_depth: int = MAX_DEPTH,
               max_entries: int = MAX_ENTRIES) -> list[Path]:
    """Files under `base` whose name matches a pattern, sorted.

    Bounded: at most `max_depth` folder levels and `max_entries` entries looked at; symlinked
    folders are not entered and each real folder is entered once, so a symlink loop or a folder
    nested 1,200 deep costs nothing. Whatever else matches is listed, a symlink, a FIFO or a
    device included: reading it is safe, and the reader says why it is not a file (a symlink loop
    is left out: it holds nothing).
    """
    patterns = tuple(patterns)
    out: list[Path] = []
    seen: set[tuple[int, int]] = set()
    budget = max_entries
    stack: list[tuple[Path, int]] = [(base, 0)]
    while stack and budget > 0:
        folder, depth = stack.pop()
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as entries:
                for entry in entries:
                    budget -= 1
                    if budget < 0:
                        break
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if depth < max_depth:
                                stack.append((Path(entry.path), depth + 1))
                            continue
                        if any(fnmatch.fnmatchcase(entry.name, p) for p in patterns) and _resolvable(entry.path):
                            out.append(Path(entry.path))  # a FIFO or a device here: the reader says so
                    except OSError:
                        continue
        except (OSError, ValueError):
            continue
    return sorted(out)
