"""LiteLLM proxy config files: model_list deployments and settings, by line."""
from __future__ import annotations

from pathlib import Path

from .model import Deployment, LiteLLMConfig
from .yamlsource import LMap, LSeq, load_yaml

FALLBACK_NAMES = ("litellm-config.yaml", "litellm-config.yml", "litellm_config.yaml", "config.yaml")


def load_litellm_config(path: Path, display: str) -> LiteLLMConfig:
    """Load a config; structural faults become `error` with the line to look at."""
    doc = load_yaml(path)
    cfg = LiteLLMConfig(path=path, display=display, error=doc.error, error_line=doc.error_line)
    if not doc.ok:
        return cfg
    cfg.data = doc.data
    models = doc.data.get("model_list")
    if models is None:
        return cfg  # a proxy may run with no models; checks say what that means
    if not isinstance(models, LSeq):
        cfg.error = "model_list is not a list"
        cfg.error_line = doc.data.line_of("model_list")
        return cfg
    for i, entry in enumerate(models):
        line = models.line_of(i)
        if not isinstance(entry, LMap):
            cfg.error, cfg.error_line = f"model_list entry {i + 1} is not a mapping", line
            continue
        params = entry.get("litellm_params")
        if not isinstance(params, LMap) or "model_name" not in entry:
            cfg.error = f"model_list entry {i + 1} needs model_name and a litellm_params mapping"
            cfg.error_line = line
            continue
        info = entry.get("model_info") if isinstance(entry.get("model_info"), LMap) else LMap()
        cfg.deployments.append(Deployment(str(entry["model_name"]), params, info, line, i))
    return cfg


def find_fallback_config(root: Path) -> Path | None:
    for name in FALLBACK_NAMES:
        if (root / name).exists():
            return root / name
    return None
