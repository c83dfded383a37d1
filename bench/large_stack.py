"""A large, real-looking stack for the bench: 20 services in three compose files (one reached by include:),
two LiteLLM proxies with configs, an env file, a CloudFormation template. Written to a temporary folder."""
from __future__ import annotations

from pathlib import Path

SIDECARS = ("postgres:16", "redis:7", "prom/prometheus", "grafana/grafana", "traefik:v3", "ollama/ollama",
            "ghcr.io/open-webui/pipelines:main", "searxng/searxng", "apache/tika", "qdrant/qdrant",
            "minio/minio", "langfuse/langfuse:2", "nginx:1.27", "ghcr.io/open-webui/mcpo:main", "valkey/valkey:8",
            "clickhouse/clickhouse-server")


def write_large_stack(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    side = "".join(f"  side-{i}:\n    image: {img}\n    env_file: [shared.env]\n    environment:\n"
                   f"      - SETTING_{i}=${{SETTING_{i}:-value-{i}}}\n" for i, img in enumerate(SIDECARS))
    (root / "compose.yaml").write_text(f"""name: big
include:
  - ui/compose.yaml
services:
  litellm:
    image: ghcr.io/berriai/litellm:main-v1.108.7
    command: ["--config", "/app/config.yaml", "--port", "4000"]
    environment:
      - LITELLM_MASTER_KEY=${{LITELLM_MASTER_KEY}}
    volumes:
      - ./litellm-config.yaml:/app/config.yaml:ro
  litellm-image:
    image: ghcr.io/berriai/litellm:main-v1.108.7
    command: ["--config", "/app/config.yaml", "--port", "4100"]
    environment:
      - LITELLM_MASTER_KEY=${{LITELLM_MASTER_KEY}}
      - AWS_BEARER_TOKEN_BEDROCK=${{AWS_BEARER_TOKEN_BEDROCK}}
    volumes:
      - ./litellm-image-config.yaml:/app/config.yaml:ro
{side}""")
    (root / "compose.override.yaml").write_text("services:\n  litellm:\n    ports: [\"127.0.0.1:4000:4000\"]\n"
                                                 "  side-0:\n    environment:\n      - EXTRA=1\n")
    (root / "ui").mkdir(exist_ok=True)
    (root / "ui" / "compose.yaml").write_text("""services:
  openwebui:
    image: ghcr.io/open-webui/open-webui:v0.12.4
    ports: ["127.0.0.1:3000:8080"]
    environment:
      - ENABLE_IMAGE_GENERATION=true
      - IMAGE_GENERATION_MODEL=stable-image-core
      - IMAGE_SIZE=1024x1024
      - IMAGES_OPENAI_API_BASE_URL=http://litellm-image:4100/v1
      - IMAGES_OPENAI_API_KEY=${LITELLM_MASTER_KEY}
      - OPENAI_API_BASE_URL=http://litellm:4000/v1
      - OPENAI_API_KEY=${LITELLM_MASTER_KEY}
""")
    chat = "".join(f"  - model_name: chat-{i}\n    litellm_params:\n      model: bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0\n"
                   f"      aws_region_name: us-east-1\n" for i in range(30))
    (root / "litellm-config.yaml").write_text("model_list:\n" + chat)
    (root / "litellm-image-config.yaml").write_text("""model_list:
  - model_name: stable-image-core
    litellm_params:
      model: bedrock/stability.stable-image-core-v1:1
      aws_region_name: us-west-2
    model_info:
      mode: image_generation
litellm_settings:
  drop_params: true
""")
    (root / "shared.env").write_text("".join(f"SHARED_{i}=v{i}\n" for i in range(50)))
    (root / ".env").write_text("LITELLM_MASTER_KEY=sk-bench-3f9a1c7e5b2d\nAWS_BEARER_TOKEN_BEDROCK=bench-token-000\n")
    return root
