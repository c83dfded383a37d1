"""The PNG writer: real, valid PNGs of exactly the size asked, fast."""

from __future__ import annotations

import struct
import time
import zlib

from emulator_fixtures import aws_env  # noqa: F401  (pytest fixtures)
from canvas_doctor_emulator import make_png, png_is_valid, png_size


def test_png_structure():
    data = make_png(321, 17, seed=3)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_size(data) == (321, 17)
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", data[16:29])
    assert (width, height, depth, colour) == (321, 17, 8, 2)
    assert png_is_valid(data)
    idat_len = struct.unpack(">I", data[33:37])[0]
    raw = zlib.decompress(data[41 : 41 + idat_len])
    assert len(raw) == 17 * (1 + 321 * 3)  # one filter byte + RGB per row
    assert data.endswith(b"IEND\xaeB`\x82")


def test_png_checks_catch_broken_data():
    data = bytearray(make_png(64, 64))
    assert png_size(b"GIF89a" + bytes(30)) is None
    data[50] ^= 0xFF  # corrupt IDAT: its CRC no longer matches
    assert not png_is_valid(bytes(data))
    assert not png_is_valid(make_png(64, 64)[:-12])  # no IEND


def test_png_is_fast_for_the_largest_sizes():
    make_png.cache_clear()
    start = time.monotonic()
    for w, h in ((4096, 1024), (2048, 2048), (1024, 4096)):
        assert png_size(make_png(w, h, seed=w)) == (w, h)
    assert time.monotonic() - start < 3
