"""LiteLLM proxy config files: model_list deployments and settings, by line.

A config may be a file, text written inline in the compose file (a `configs:` entry's `content:`,
or a heredoc in the service's command), and may pull in more files with LiteLLM's own `include:`
(litellm/proxy/proxy_server.py, `_process_includes`: paths relative to the config's folder, their
model_list entries appended).
"""
from __future__ import annotations

from pathlib import Path

from .model import Deployment, LiteLLMConfig
from .yamlsource import resolved, LMap, LSeq, YamlDoc, load_yaml, load_yaml_text

FALLBACK_NAMES = ("litellm-config.yaml", "litellm-config.yml", "litellm_config.yaml", "litellm_config.yml",
                  "config.yaml")
MAX_INCLUDES = 20


def load_litellm_config(path: Path, display: str, *, text: str | None = None, origin: str = "file",
                        display_path=None) -> LiteLLMConfig:
    """Load a config (from `path`, or from `text` written inline elsewhere); structural faults become
    `error` with the line to look at. `display_path` turns an included file's path into its display name."""
    doc = load_yaml(path) if text is None else load_yaml_text(text, path)
    cfg = LiteLLMConfig(path=path, display=display, error=doc.error, error_line=doc.error_line, origin=origin)
    if not doc.ok:
        return cfg
    cfg.data = doc.data
    _read_model_list(cfg, doc.data, display)
    includes = doc.data.get("include")
    if isinstance(includes, LSeq) and text is None:
        for i, item in enumerate(includes[:MAX_INCLUDES]):
            if not isinstance(item, str):
                continue
            inc_path = resolved(path.parent / item)
            shown = display_path(inc_path) if display_path else str(inc_path)
            inc = load_yaml(inc_path)
            if not inc.ok:
                cfg.error, cfg.error_line = f"includes {item} (line {includes.line_of(i)}), which {inc.error}", \
                    includes.line_of(i)
                continue
            cfg.included.append(shown)
            _read_model_list(cfg, inc.data, shown)
    return cfg


def _read_model_list(cfg: LiteLLMConfig, data: LMap, display: str) -> None:
    models = data.get("model_list")
    if models is None:
        return  # a proxy may run with no models (or keep them in its database); checks say what that means
    if not isinstance(models, LSeq):
        cfg.error = f"model_list is not a list ({display})"
        cfg.error_line = data.line_of("model_list")
        return
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
        cfg.deployments.append(Deployment(str(entry["model_name"]), params, info, line, len(cfg.deployments),
                                          file=display))


def find_fallback_config(root: Path) -> Path | None:
    for name in FALLBACK_NAMES:
        if (root / name).is_file():
            return root / name
    return None


__all__ = ["load_litellm_config", "find_fallback_config", "YamlDoc"]
