"""Requirements for a service venv, read from the service's own wheel (install-services.sh runs this
with the target venv's python, so pip's vendored `packaging` evaluates the markers for that python).

    python wheel_requirements.py litellm-proxy WHEEL   # the [proxy] extra, installable from the registry
    python wheel_requirements.py openwebui-slim WHEEL  # requirements-slim.txt, or the wheel's own list minus ML

litellm-proxy: LiteLLM 1.103.x and 1.108.14 to 1.110.2 pin helper packages the registry does not serve
(litellm-proxy==X, litellm-proxy-extras==0.4.114.post1, litellm-enterprise==0.1.83.post1 ...). The
recipe that starts: leave out `litellm-proxy` (its code ships inside the litellm wheel) and turn each
`==V` pin of the helpers into `<=V`, so pip takes the newest served release not newer than the pin.

openwebui-slim: wheels up to 0.9.x ship no requirements-slim.txt; their Requires-Dist without the
packages that pull torch / CUDA (every one is imported lazily, only for local embeddings, reranking,
speech or OCR, which the tests never use) installs in about a minute instead of blowing a 5 GB cap.
"""
from __future__ import annotations

import sys
import zipfile
from email.parser import Parser

from pip._vendor.packaging.requirements import Requirement  # the target venv's pip; no extra install

UNSERVED_PIN_HELPERS = ("litellm-proxy-extras", "litellm-enterprise")
LEFT_OUT = ("litellm-proxy",)
HEAVY = ("torch", "sentence-transformers", "transformers", "accelerate", "faster-whisper", "einops",
         "colbert-ai", "rapidocr-onnxruntime", "opencv-python-headless")   # chromadb stays: 0.9.x imports it at start


def metadata_requirements(wheel: str) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(z.read(name).decode("utf-8"))
    return [Requirement(line) for line in meta.get_all("Requires-Dist") or []]


def applies(req: Requirement, extra: str) -> bool:
    return req.marker is None or req.marker.evaluate({"extra": extra})


def without_marker(req: Requirement) -> str:
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}{req.specifier}"


def litellm_proxy(wheel: str) -> list[str]:
    """The [proxy] extra's requirements (not the base ones: `litellm==X` brings those)."""
    out = []
    for req in metadata_requirements(wheel):
        if not req.marker or "extra" not in str(req.marker) or not applies(req, "proxy"):
            continue
        if req.name in LEFT_OUT:
            continue
        line = without_marker(req)
        if req.name in UNSERVED_PIN_HELPERS:
            line = line.replace("==", "<=")
        out.append(line)
    return out


def openwebui_slim(wheel: str) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        slim = [n for n in z.namelist() if n.endswith("requirements-slim.txt")]
        if slim:
            return z.read(slim[0]).decode("utf-8").splitlines()
    return [without_marker(r) for r in metadata_requirements(wheel)
            if applies(r, "") and r.name.lower() not in HEAVY]


def main(argv: list[str]) -> int:
    mode, wheel = argv
    lines = {"litellm-proxy": litellm_proxy, "openwebui-slim": openwebui_slim}[mode](wheel)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
