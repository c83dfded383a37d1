"""A tiny PNG writer and reader (standard library only: zlib + struct).

The emulator answers image requests with REAL, valid PNGs of exactly the requested size, so the
doctor's "is this a valid image of the requested size" check can be tested end to end. The
picture is a cheap gradient: rows are built with bytes operations (at most 256 distinct rows are
ever materialised) and compressed with zlib level 1, so even 4096x1024 takes well under a second
and stays small (tens of kB).
"""

from __future__ import annotations

import functools
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _palette(seed: int) -> tuple[int, int, int]:
    """Three colour offsets derived from the seed, so different seeds give different pictures."""
    s = (seed * 2654435761) & 0xFFFFFFFF
    return s & 0xFF, (s >> 8) & 0xFF, (s >> 16) & 0xFF


@functools.lru_cache(maxsize=16)
def make_png(width: int, height: int, seed: int = 0) -> bytes:
    """An 8-bit RGB PNG of exactly width x height pixels: red ramps across, green down.

    Rows use PNG filter 1 (Sub: each byte minus the byte 3 to its left). Green and blue are
    constant along a row and red is a ramp, so every row is [r0, g, b] followed by the same
    small deltas: one shared tail, one changing byte per row; it compresses to almost nothing."""
    if width <= 0 or height <= 0:
        raise ValueError(f"bad PNG size {width}x{height}")
    r0, g0, b0 = _palette(seed)
    red = [((x * 255) // max(width - 1, 1) + r0) & 0xFF for x in range(width)]
    tail = bytearray(3 * (width - 1))
    tail[0::3] = bytes((red[x] - red[x - 1]) & 0xFF for x in range(1, width))
    tail = bytes(tail)  # green and blue deltas stay 0
    rows: dict[int, bytes] = {}
    parts = []
    for y in range(height):
        g = ((y * 255) // max(height - 1, 1) + g0) & 0xFF
        row = rows.get(g)
        if row is None:
            row = rows[g] = bytes((1, red[0], g, b0)) + tail  # filter type 1 (Sub), first pixel as is
        parts.append(row)
    raw = b"".join(parts)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit, colour type 2 (RGB)
    return PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw, 1)) + _chunk(b"IEND", b"")


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR, or None when data is not a PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png_is_valid(data: bytes) -> bool:
    """True when every chunk's CRC matches, IEND ends it and the IDAT stream inflates."""
    if not data.startswith(PNG_SIGNATURE):
        return False
    pos, idat, seen_end = len(PNG_SIGNATURE), [], False
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if len(body) != length or zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            return False
        if kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
        if kind == b"IEND":
            seen_end = True
            break
    if not seen_end or not idat:
        return False
    try:
        zlib.decompress(b"".join(idat))
    except zlib.error:
        return False
    return True
