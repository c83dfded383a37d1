"""The model a run is about: the Bedrock model behind the image model Open WebUI asks for, read
from the stack's LiteLLM configs (what InvokeModel gets, and its foundation model)."""
from __future__ import annotations

from dataclasses import dataclass

from ..facts import image_model
from ..models import Location
from ..settings import Settings
from .model import Deployment, Proxy, Stack
from .queries import wanted_image_model

DEFAULT_MODEL_ID = "amazon.nova-canvas-v1:0"
_GEO_PREFIXES = ("us", "eu", "apac", "global", "us-gov", "jp", "au", "ca")
_ROUTE_PREFIXES = ("invoke/", "converse/", "converse_like/")


@dataclass(frozen=True)
class ModelUnderTest:
    """The Bedrock model behind the wanted image model: what InvokeModel gets, and its foundation model."""

    name: str                   # the LiteLLM model name Open WebUI asks for
    invoke_id: str              # what LiteLLM sends as modelId (model_id, else the model after `bedrock/`)
    foundation_id: str          # the foundation model for the control plane (no profile prefix, no ARN)
    origin: str
    deployment: Deployment | None = None
    proxy: Proxy | None = None
    not_bedrock: str | None = None   # the deployment calls another provider: no Bedrock model to probe

    @property
    def location(self) -> Location | None:
        if self.deployment is None or self.proxy is None or self.proxy.config is None:
            return None
        return self.proxy.config.at(self.deployment.line)

    def line_of(self, key: str) -> Location | None:
        if self.deployment is None or self.proxy is None or self.proxy.config is None:
            return None
        return self.proxy.config.at(self.deployment.line_of(key))

    @property
    def display_name(self) -> str:
        known = image_model(self.foundation_id)
        return known.name if known else self.foundation_id

    def arn(self, region: str) -> str:
        return f"arn:aws:bedrock:{region}::foundation-model/{self.foundation_id}"

    @property
    def uses_profile(self) -> bool:
        """The deployment already calls an inference profile (`us.`... or an inference-profile ARN)."""
        ident = self.invoke_id
        return ":inference-profile/" in ident or ":application-inference-profile/" in ident or \
            ident.split(".", 1)[0] in _GEO_PREFIXES


def _strip_route(model: str) -> str:
    for prefix in _ROUTE_PREFIXES:
        if model.startswith(prefix):
            return model[len(prefix):]
    return model


def foundation_id_of(*candidates: str) -> str | None:
    """The foundation model id in a model id, a `us.`-style profile id or a foundation-model ARN."""
    for raw in candidates:
        ident = _strip_route(raw or "")
        if not ident:
            continue
        if ident.startswith("arn:"):
            resource = ident.split(":", 5)[-1]
            kind, _, rest = resource.partition("/")
            if kind in ("foundation-model", "inference-profile") and rest:
                return foundation_id_of(rest)
            continue  # a provisioned or custom model ARN names no foundation model
        head, dot, rest = ident.partition(".")
        if dot and head in _GEO_PREFIXES and "." in rest:
            return rest
        return ident
    return None


def model_under_test(stack: Stack, settings: Settings) -> ModelUnderTest:
    """The deployment behind the wanted image model (the image proxy first), else Nova Canvas."""
    wanted = wanted_image_model(stack, settings.model)
    proxies = [p for p in [stack.image_proxy, *stack.proxies.values()] if p is not None]
    seen: set[int] = set()
    elsewhere: str | None = None
    for proxy in proxies:
        if id(proxy) in seen or proxy.config is None:
            continue
        seen.add(id(proxy))
        for dep in proxy.config.find(wanted.name):
            if dep.provider != "bedrock":
                elsewhere = elsewhere or f"the {wanted.name} deployment calls {dep.model}, not Bedrock " \
                                         f"({proxy.config.display}:{dep.line})"
                continue
            invoke = _strip_route(dep.base_model_id)
            found = foundation_id_of(dep.base_model_id, dep.provider_model) or DEFAULT_MODEL_ID
            where = f"{proxy.config.display}:{dep.line}"
            return ModelUnderTest(wanted.name, invoke, found, f"the {wanted.name} deployment ({where})", dep, proxy)
    if elsewhere:
        return ModelUnderTest(wanted.name, DEFAULT_MODEL_ID, DEFAULT_MODEL_ID, elsewhere, not_bedrock=elsewhere)
    direct = foundation_id_of(wanted.name) if image_model(wanted.name) else None
    if direct:
        return ModelUnderTest(wanted.name, wanted.name, direct, f"--model {wanted.name}")
    return ModelUnderTest(wanted.name, DEFAULT_MODEL_ID, DEFAULT_MODEL_ID,
                          f"no Bedrock deployment named {wanted.name!r} found; Nova Canvas by default")
