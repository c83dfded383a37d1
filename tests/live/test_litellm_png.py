"""The PNG check of the live generation, on real PNGs (the emulator's encoder) and broken ones."""
from __future__ import annotations

import pytest

from canvas_doctor_emulator import make_png
from canvas_doctor.png_check import NotPng, png_info


def test_a_real_png_and_its_size():
    info = png_info(make_png(1024, 576, 7))
    assert (info.width, info.height, info.size) == (1024, 576, "1024x576")


@pytest.mark.parametrize("mangle, words", [
    (lambda b: b[: len(b) // 2], "cut short"),
    (lambda b: b[:-12], "no IEND"),
    (lambda b: b[:40] + bytes([b[40] ^ 0xFF]) + b[41:], "CRC mismatch"),
    (lambda b: b"\xff\xd8\xff\xe0" + b[4:], "a JPEG"),
    (lambda b: b"", "empty"),
])
def test_broken_pngs_say_what_is_wrong(mangle, words):
    with pytest.raises(NotPng, match=words):
        png_info(mangle(make_png(64, 64, 1)))
