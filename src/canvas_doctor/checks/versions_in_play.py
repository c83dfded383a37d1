"""Checklist: every Open WebUI and LiteLLM image names the release it runs.

The doctor applies each version-bound fact (data/version_facts.yaml) for the version in play. A tag
such as `main`, `latest` or `main-stable` follows a branch: what runs changes at the next pull, and
with it facts such as LiteLLM's refusal of a weak master key (from 1.104.0) or the way Open WebUI
shows an error (from 0.9.0). Where no version is known the doctor assumes the newest it was
measured on, and says so.
"""
from __future__ import annotations

from canvas_doctor.api import check, passed, skipped, warned
from canvas_doctor.fixes import Fix, Variant
from canvas_doctor.models import Location
from canvas_doctor.stack.model import Service, Stack
from canvas_doctor.versions import LITELLM, OPENWEBUI, assumed, from_image, show

IMAGE_TAG_MOVING = Fix(
    id="image-tag-moving",
    title="Pin the release the stack runs",
    cause=(
        "The image tag follows a branch (main, latest, main-stable): the next pull runs another release, and "
        "behaviour this stack depends on changes with it (LiteLLM refuses a weak master key from 1.104.0; "
        "Open WebUI hides LiteLLM's error text from 0.9.0 and seeds its database at first start from 0.10.0)."
    ),
    steps=(
        "Pin the image of {service} to the release you tested, e.g. {expected}",
        "Upgrade on purpose: change the tag, read the release notes, and run canvas-doctor again",
    ),
    snippet="image: {expected}",
    guide_section=None,
    params=("expected",),
    variants={"cloudformation": Variant(snippet="Image: {expected}")},
)

PINNED_TAG = {"openwebui": "v{version}", "litellm": "main-v{version}"}
NAMES = {"openwebui": "Open WebUI", "litellm": "LiteLLM"}


def _image_line(svc: Service) -> Location:
    """The `image:` (compose) or `Image:` (CloudFormation) line of a definition."""
    raw = svc.raw
    for key in ("image", "Image"):
        if raw is not None and hasattr(raw, "line_of") and key in raw:
            return Location(svc.file, raw.line_of(key))
    return Location(svc.file, svc.line)


@check(id="config.versions", area="config", title="Open WebUI and LiteLLM images name the release they run",
       fixes=(IMAGE_TAG_MOVING,), image_path=True)
def images_name_their_release(stack: Stack):
    """A moving tag (`main`, `latest`, `main-stable`) is a warning: pin the release you tested."""
    targets = [s for s in list(stack.compose_services.values()) + stack.cfn_services if s.is_openwebui or s.is_litellm]
    if not targets:
        return skipped("no Open WebUI or LiteLLM definition found")
    out = []
    for svc in targets:
        v = from_image(svc.name, OPENWEBUI if svc.is_openwebui else LITELLM, svc.image)
        where = _image_line(svc)
        name = NAMES[v.component]
        if v.moving:
            pin = PINNED_TAG[v.component].format(version=show(assumed(v.component)))
            repo = v.image.rsplit(":", 1)[0]
            out.append(warned(
                f"{v.service}: {v.image} follows a branch, so the {name} release that runs changes at the next pull; "
                f"the doctor assumes {name} {show(assumed(v.component))}",
                fix=IMAGE_TAG_MOVING, at=where,
                params={"service": v.service, "value": v.image, "expected": f"{repo}:{pin}", "name": name}))
        elif v.known:
            out.append(passed(f"{v.service}: {name} {show(v.version)} ({v.source})", at=where))
        else:
            out.append(passed(f"{v.service}: {name} release not named ({v.source}); facts of {name} "
                              f"{show(assumed(v.component))} assumed", at=where))
    return out
