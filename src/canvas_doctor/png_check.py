"""Is this a whole PNG, and how big? Read from the bytes (signature, IHDR, chunk CRCs, IEND); no Pillow."""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"


class NotPng(ValueError):
    """The bytes are not a complete, valid PNG; the message says what is wrong."""


@dataclass(frozen=True)
class PngInfo:
    width: int
    height: int
    bit_depth: int
    color_type: int
    size_bytes: int

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


def png_info(data: bytes) -> PngInfo:
    """Width and height of a PNG after checking its structure; NotPng when it is not one."""
    if not data.startswith(SIGNATURE):
        kind = "a JPEG" if data[:3] == b"\xff\xd8\xff" else "empty" if not data else "not a PNG"
        raise NotPng(f"the image is {kind} (it does not start with the PNG signature)")
    pos, first, info = len(SIGNATURE), True, None
    while True:
        if pos + 8 > len(data):
            raise NotPng("the PNG is cut short (no IEND chunk)")
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise NotPng(f"the PNG is cut short inside its {ctype.decode('latin-1')!r} chunk")
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:end])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise NotPng(f"the PNG's {ctype.decode('latin-1')!r} chunk is corrupt (CRC mismatch)")
        if first:
            if ctype != b"IHDR" or length != 13:
                raise NotPng("the PNG does not begin with an IHDR chunk")
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            if not width or not height:
                raise NotPng("the PNG says it is 0 pixels wide or high")
            info = PngInfo(width, height, depth, color, len(data))
            first = False
        if ctype == b"IEND":
            assert info is not None
            return info
        pos = end


def save_image(path: Path | None, data: bytes) -> str:
    """Write the image for --save-image; the text to append to the result's message."""
    if path is None:
        return ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return f"; saved to {path}"
    except OSError as exc:
        return f"; could not save it to {path}: {exc.strerror or exc}"
