"""Health checks of compose services, ECS containers and target groups, through the real CLI: the
forms that bill or never pass are found at their line with the fix in the file's own language, and
the right probes (liveliness, Open WebUI's /health, databases, curl without -f ...) stay quiet."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from helpers import clean_env, run_cli

COMPOSE_CHECK = "compose.healthcheck.litellm-liveliness"
RUNNABLE = "compose.healthcheck.runnable"
CFN_CHECK = "cloudformation.healthcheck.litellm-liveliness"

CONFIG = """
model_list:
  - model_name: nova-canvas
    litellm_params:
      model: bedrock/amazon.nova-canvas-v1:0
      aws_region_name: us-east-1
litellm_settings:
  drop_params: true
"""


def compose(litellm_hc: str = "", openwebui_hc: str = "", extra: str = "", port: str = "4000") -> str:
    """A two-service stack; each health check is a YAML block indented under its service."""
    def block(hc: str) -> str:
        return textwrap.indent("healthcheck:\n" + textwrap.indent(textwrap.dedent(hc).strip("\n"), "  "), " " * 4) \
            + "\n" if hc else ""
    return (
        "services:\n"
        "  openwebui:\n"
        "    image: ghcr.io/open-webui/open-webui:v0.12.4\n"
        "    environment:\n"
        "      - IMAGES_OPENAI_API_BASE_URL=http://litellm:4000/v1\n"
        + block(openwebui_hc) +
        "    depends_on:\n"
        "      litellm:\n"
        "        condition: service_healthy\n"
        "  litellm:\n"
        "    image: ghcr.io/berriai/litellm:main-v1.108.7\n"
        f'    command: ["--config", "/app/config.yaml", "--port", "{port}"]\n'
        "    environment:\n"
        "      - LITELLM_MASTER_KEY=sk-sample-master-0123456789\n"
        "    volumes:\n"
        "      - ./litellm-config.yaml:/app/config.yaml:ro\n"
        + block(litellm_hc) + extra
    )


def run(tmp_path: Path, compose_text: str, dotenv: str = "") -> object:
    (tmp_path / "docker-compose.yml").write_text(compose_text)
    (tmp_path / "litellm-config.yaml").write_text(CONFIG)
    if dotenv:
        (tmp_path / ".env").write_text(dotenv)
    return run_cli("run", "--offline", "--json", "--only", "compose.healthcheck.*", "--project", str(tmp_path),
                   env=clean_env())


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def problems(result_run, check: str) -> list[dict]:
    return [r for r in result_run.results(check) if r["status"] in ("warn", "fail", "error")]


# -- litellm-healthcheck-billable (compose) ------------------------------------------------------

def test_string_form_without_key_never_healthy_names_the_dependant(tmp_path: Path) -> None:
    r = run(tmp_path, compose(litellm_hc="test: curl -f http://localhost:4000/health || exit 1"))
    [f] = problems(r, COMPOSE_CHECK)
    assert f["status"] == "fail" and f["fix"]["id"] == "litellm-healthcheck-billable"
    assert f["location"] == {"file": "docker-compose.yml", "line": line_of(tmp_path / "docker-compose.yml", "test:")}
    assert "without a key" in f["message"] and "401" in f["message"]
    assert "litellm is never healthy, and openwebui (depends_on ... condition: service_healthy) never starts" \
        in f["message"]
    assert f["fix"]["snippet"] == ('healthcheck:\n  test: ["CMD-SHELL", '
                                   '"curl -f http://localhost:4000/health/liveliness || exit 1"]')
    assert "docker compose up -d litellm" in f["fix"]["steps"][-1]
    assert r.code == 1


def test_keyed_probe_of_one_image_model_says_what_it_bills(tmp_path: Path) -> None:
    hc = """
        test: ["CMD-SHELL", "curl -sf -H 'Authorization: Bearer $${LITELLM_MASTER_KEY}' 'http://localhost:4000/health?model=nova-canvas'"]
        interval: 10s
    """
    r = run(tmp_path, compose(litellm_hc=hc))
    [f] = problems(r, COMPOSE_CHECK)
    assert "with the key" in f["message"]
    assert "1 billed image(s) (nova-canvas) every 10 s: about 8,640 images a day" in f["message"]
    assert "/health/liveliness'" in f["fix"]["snippet"] and "?model" not in f["fix"]["snippet"]
    assert "sk-sample-master-0123456789" not in r.stdout


def test_port_from_dotenv_and_python_probe(tmp_path: Path) -> None:
    hc = """test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${LITELLM_PORT}/health')"]"""
    r = run(tmp_path, compose(litellm_hc=hc, port="${LITELLM_PORT}"), dotenv="LITELLM_PORT=4010\n")
    [f] = problems(r, COMPOSE_CHECK)
    assert "without a key" in f["message"]
    assert "${LITELLM_PORT}/health/liveliness" in f["fix"]["snippet"]
    assert "on port 4010" in f["fix"]["steps"][0]


def test_another_service_probing_litellm_by_name(tmp_path: Path) -> None:
    r = run(tmp_path, compose(openwebui_hc='test: ["CMD", "wget", "-q", "-O-", "http://litellm:4000/health"]'))
    [f] = problems(r, COMPOSE_CHECK)
    assert f["message"].startswith("the openwebui health check (of litellm) calls LiteLLM's /health without a key")
    assert f["location"]["line"] == line_of(tmp_path / "docker-compose.yml", "wget")


@pytest.mark.parametrize("hc", [
    'test: ["CMD", "curl", "-f", "http://localhost:4000/health/liveliness"]',
    'test: ["CMD-SHELL", "wget -qO- http://localhost:4000/health/liveness || exit 1"]',
    'test: ["CMD", "curl", "-f", "http://localhost:4000/health/readiness"]',
    'test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen(\'http://localhost:4000/health/liveliness\')"]',
    # plain curl exits 0 on the 401: no model is called, the probe only says the proxy answers
    'test: ["CMD", "curl", "-s", "http://localhost:4000/health"]',
    'test: curl -f http://localhost:4000/health || true',
    # LiteLLM's metrics sidecar serves a free /health on its own port
    'test: ["CMD", "wget", "-q", "http://localhost:4001/health"]',
    'test: ["NONE"]',
    "disable: true\ntest: [\"CMD\", \"curl\", \"-f\", \"http://localhost:4000/health\"]",
], ids=["liveliness-cmd", "liveness-shell", "readiness", "python-liveliness", "curl-no-fail", "or-true",
        "metrics-port", "none", "disabled"])
def test_right_litellm_probes_stay_quiet(tmp_path: Path, hc: str) -> None:
    r = run(tmp_path, compose(litellm_hc=hc))
    assert problems(r, COMPOSE_CHECK) == [] and problems(r, RUNNABLE) == [], r.stdout
    assert r.code == 0


def test_other_services_own_health_endpoints_stay_quiet(tmp_path: Path) -> None:
    extra = textwrap.dedent("""
      db:
        image: postgres:16-alpine
        healthcheck:
          test: ["CMD-SHELL", "pg_isready -U postgres"]
      cache:
        image: redis:7-alpine
        healthcheck:
          test: ["CMD", "redis-cli", "ping"]
      proxy:
        image: nginx:1.27
        healthcheck:
          test: ["CMD", "curl", "-f", "http://localhost:4000/health"]
    """)
    r = run(tmp_path, compose(openwebui_hc='test: ["CMD", "curl", "-f", "http://localhost:8080/health"]',
                              extra=textwrap.indent(extra.strip("\n"), "  ") + "\n"))
    assert problems(r, COMPOSE_CHECK) == [] and problems(r, RUNNABLE) == [], r.stdout


# -- healthcheck-invalid -------------------------------------------------------------------------

def test_cmd_shell_list_runs_a_bare_program(tmp_path: Path) -> None:
    hc = 'test: ["CMD-SHELL", "wget", "--quiet", "--tries=1", "http://localhost:4000/health/liveliness"]'
    r = run(tmp_path, compose(litellm_hc=hc))
    [f] = problems(r, RUNNABLE)
    assert f["status"] == "fail" and f["fix"]["id"] == "healthcheck-invalid"
    assert "runs only the first one, 'wget'" in f["message"]
    assert "litellm is never healthy, and openwebui (depends_on ... condition: service_healthy) never starts" \
        in f["message"]
    # LiteLLM images have no wget since about 1.80: the fix calls python, on the proxy's own port
    assert f["fix"]["snippet"] == ('healthcheck:\n  test: ["CMD", "python", "-c", "import urllib.request; '
                                   "urllib.request.urlopen('http://localhost:4000/health/liveliness')\"]")
    assert problems(r, COMPOSE_CHECK) == []


def test_cmd_with_the_whole_line_and_a_non_litellm_fix(tmp_path: Path) -> None:
    extra = '  cache:\n    image: redis:7-alpine\n    healthcheck:\n      test: ["CMD", "redis-cli -h localhost ping"]\n'
    r = run(tmp_path, compose(extra=extra))
    [f] = problems(r, RUNNABLE)
    assert "Docker looks for a program named 'redis-cli -h localhost ping'" in f["message"]
    assert "cache is never healthy" in f["message"] and "never start" not in f["message"]
    assert f["fix"]["snippet"] == 'healthcheck:\n  test: ["CMD", "redis-cli", "-h", "localhost", "ping"]'


@pytest.mark.parametrize("hc, status, words", [
    ('test: ["CMD-SHELL"]', "fail", "has no command (/bin/sh: -c requires an argument)"),
    ('test: ""', "warn", "succeeds at once"),
    ('test: ["curl", "-f", "http://localhost:4000/health/liveliness"]', "fail", "Docker Compose v2 refuses"),
], ids=["shell-without-command", "empty-string", "no-form-word"])
def test_empty_and_formless_tests(tmp_path: Path, hc: str, status: str, words: str) -> None:
    r = run(tmp_path, compose(litellm_hc=hc))
    [f] = problems(r, RUNNABLE)
    assert f["status"] == status and f["fix"]["id"] == "healthcheck-invalid" and words in f["message"]


@pytest.mark.parametrize("hc", [
    'test: ["CMD-SHELL", "wget -q -O- http://localhost:4000/health/liveliness || exit 1", "ignored"]',
    'test: ["CMD-SHELL", "wget -q -O- \\"$$1\\"", "http://localhost:4000/health/liveliness"]',
], ids=["whole-line-first", "positional-argument"])
def test_cmd_shell_lists_that_do_work(tmp_path: Path, hc: str) -> None:
    r = run(tmp_path, compose(litellm_hc=hc))
    assert problems(r, RUNNABLE) == [], r.stdout


# -- CloudFormation ------------------------------------------------------------------------------

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  TaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: openwebui
          Image: ghcr.io/open-webui/open-webui:v0.12.4
          PortMappings:
            - ContainerPort: 8080
          HealthCheck:
            Command: {openwebui_cmd}
        - Name: litellm
          Image: ghcr.io/berriai/litellm:main-v1.108.7
          Command: ["--config", "/app/config.yaml", "--port", "4000"]
          PortMappings:
            - ContainerPort: 4000
          HealthCheck:
            Command: {litellm_cmd}
            Interval: 15
  TargetGroup:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: 4000
      HealthCheckPath: {path}
{tg_extra}
"""


def run_cfn(tmp_path: Path, openwebui_cmd: str = '["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]',
            litellm_cmd: str = '["CMD-SHELL", "curl -f http://localhost:4000/health/liveliness || exit 1"]',
            path: str = "/health/liveliness", tg_extra: str = "") -> object:
    folder = tmp_path / "infrastructure"
    folder.mkdir(parents=True)
    (folder / "stack.yaml").write_text(TEMPLATE.format(openwebui_cmd=openwebui_cmd, litellm_cmd=litellm_cmd,
                                                       path=path, tg_extra=tg_extra))
    return run_cli("run", "--offline", "--json", "--only", CFN_CHECK, "--project", str(tmp_path), env=clean_env())


def test_ecs_keyed_probe_from_another_container_of_the_task(tmp_path: Path) -> None:
    r = run_cfn(tmp_path, openwebui_cmd='["CMD-SHELL", "curl -sf -H \\"Authorization: Bearer $LITELLM_MASTER_KEY\\" '
                                         'http://localhost:4000/health"]')
    [f] = problems(r, CFN_CHECK)
    assert f["message"].startswith("the openwebui container's HealthCheck (of litellm) calls LiteLLM's /health "
                                   "with the key")
    assert "one request to every model of its config every 30 s (one billed image per image model)" in f["message"]
    assert f["fix"]["snippet"].startswith('HealthCheck:\n  Command: ["CMD-SHELL", ')
    assert "docker compose" not in " ".join(f["fix"]["steps"]) and "CloudFormation stack" in f["fix"]["steps"][-1]
    assert f["location"]["file"] == "infrastructure/stack.yaml"


def test_ecs_probe_without_key_is_replaced_again_and_again(tmp_path: Path) -> None:
    r = run_cfn(tmp_path, litellm_cmd='["CMD", "curl", "-f", "http://127.0.0.1:4000/health"]')
    [f] = problems(r, CFN_CHECK)
    assert "ECS marks the litellm container unhealthy" in f["message"]
    assert f["fix"]["snippet"] == 'HealthCheck:\n  Command: ["CMD", "curl", "-f", "http://127.0.0.1:4000/health/liveliness"]'
    assert "every 15 s" not in f["message"]  # no key: nothing billed, no cost claimed


def test_target_group_by_port(tmp_path: Path) -> None:
    r = run_cfn(tmp_path, path="/health")
    [f] = problems(r, CFN_CHECK)
    assert "target group TargetGroup health-checks LiteLLM at /health" in f["message"]
    assert "its port 4000 is the litellm container's" in f["message"]
    assert "ECS stops" not in f["message"]
    assert f["fix"]["snippet"] == "HealthCheckPath: /health/liveliness"
    assert f["location"]["line"] == line_of(tmp_path / "infrastructure" / "stack.yaml", "HealthCheckPath")


def test_target_group_named_by_an_ecs_service_decides(tmp_path: Path) -> None:
    service = """
  Service:
    Type: AWS::ECS::Service
    Properties:
      TaskDefinition: !Ref TaskDefinition
      LoadBalancers:
        - ContainerName: {name}
          ContainerPort: 4000
          TargetGroupArn: !Ref TargetGroup
"""
    r = run_cfn(tmp_path, path="/health", tg_extra=service.format(name="litellm"))
    [f] = problems(r, CFN_CHECK)
    assert "the ECS service Service registers its litellm container in it" in f["message"]
    assert "ECS stops each task that fails it" in f["message"]
    quiet = run_cfn(tmp_path / "b", path="/health", tg_extra=service.format(name="openwebui"))
    assert problems(quiet, CFN_CHECK) == []


@pytest.mark.parametrize("extra", [
    "      Matcher:\n        HttpCode: 200-499",
    "      HealthCheckProtocol: TCP",
    "      HealthCheckPort: 9000",
], ids=["matcher-accepts-401", "tcp", "other-port"])
def test_target_groups_that_do_not_bill_or_fail(tmp_path: Path, extra: str) -> None:
    r = run_cfn(tmp_path, path="/health", tg_extra=extra)
    assert problems(r, CFN_CHECK) == [], r.stdout
