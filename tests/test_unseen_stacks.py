"""Stacks the samples do not show: other file names, env mappings, env_file, interpolation forms,
directory mounts, JSON and short-form CloudFormation. Each must still give the right fix and file:line."""
from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import clean_env, run_cli


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


IMAGE_CONFIG = """
    model_list:
      - model_name: titan-image
        litellm_params:
          model: bedrock/amazon.titan-image-generator-v2:0
          aws_region_name: us-west-2
          api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK
    litellm_settings:
      drop_params: true
    general_settings:
      master_key: os.environ/LITELLM_MASTER_KEY
"""


def compose_yaml(model_value: str, extra_env: str = "") -> str:
    return f"""
    services:
      webui:
        image: ghcr.io/open-webui/open-webui:main
        env_file: webui.env
        environment:
          ENABLE_IMAGE_GENERATION: true
          IMAGE_GENERATION_MODEL: "{model_value}"
          OPENAI_API_BASE_URL: http://proxy:4000/v1
          OPENAI_API_KEY: ${{MASTER}}
          IMAGES_OPENAI_API_BASE_URL: http://proxy:4000/v1
          IMAGES_OPENAI_API_KEY: ${{MASTER}}{extra_env}
      proxy:
        image: ghcr.io/berriai/litellm-database:main-stable
        command: --config=/app/conf/litellm.yaml
        environment:
          LITELLM_MASTER_KEY: ${{MASTER}}
          AWS_BEARER_TOKEN_BEDROCK: ${{BEDROCK_KEY:-}}
        volumes:
          - type: bind
            source: ./conf
            target: /app/conf
            read_only: true
    """


def base_stack(tmp_path: Path, model_value: str, dotenv: str, extra_env: str = "") -> Path:
    return write(tmp_path, {
        "compose.yaml": compose_yaml(model_value, extra_env),
        "conf/litellm.yaml": IMAGE_CONFIG,
        ".env": dotenv,
        "webui.env": "IMAGE_SIZE=512x512\n",
    })


def fails(run, fix: str) -> list[dict]:
    return [r for r in run.json["results"] if r["status"] == "fail" and r["fix"]["id"] == fix]


def test_mapping_env_directory_mount_and_defaults_pass(tmp_path: Path) -> None:
    stack = base_stack(tmp_path, "titan-image", "MASTER=sk-unseen-master-42424242\nBEDROCK_KEY=ABSKunseen0000000000000000\n")
    run = run_cli("--offline", "--json", "--project", str(stack))
    assert run.code == 0, [r for r in run.json["results"] if r["status"] != "pass"]
    mounted = run.results("compose.litellm.config-mounted")[0]
    assert "conf/litellm.yaml" in mounted["message"]


def test_model_from_dotenv_interpolation_not_served(tmp_path: Path) -> None:
    stack = base_stack(tmp_path, "${IMAGE_MODEL:-titan-image}",
                       "MASTER=sk-unseen-master-42424242\nBEDROCK_KEY=ABSKunseen0000000000000000\nIMAGE_MODEL=nova-canvas\n")
    run = run_cli("--offline", "--json", "--project", str(stack))
    assert run.code == 1
    [finding] = fails(run, "litellm-model-not-found")
    assert finding["location"] == {"file": "conf/litellm.yaml", "line": 1}
    assert "'nova-canvas'" in finding["message"] and ".env:3" in finding["message"]


def test_shell_environment_overrides_dotenv_like_compose(tmp_path: Path) -> None:
    stack = base_stack(tmp_path, "${IMAGE_MODEL:-titan-image}",
                       "MASTER=sk-unseen-master-42424242\nBEDROCK_KEY=ABSKunseen0000000000000000\nIMAGE_MODEL=nova-canvas\n")
    run = run_cli("--offline", "--json", "--project", str(stack), env=clean_env(IMAGE_MODEL="titan-image"))
    assert run.code == 0


def test_unset_variable_without_default_leaves_credentials_missing(tmp_path: Path) -> None:
    stack = base_stack(tmp_path, "titan-image", "MASTER=sk-unseen-master-42424242\n")
    run = run_cli("--offline", "--json", "--project", str(stack))
    [finding] = fails(run, "aws-credentials-missing")
    assert finding["location"]["file"] == "compose.yaml"
    assert "AWS_BEARER_TOKEN_BEDROCK" in finding["message"]


def test_boolean_false_in_mapping_and_dollar_escape(tmp_path: Path) -> None:
    stack = base_stack(tmp_path, "titan-image", "MASTER=sk-unseen-master-42424242\nBEDROCK_KEY=ABSKunseen0000000000000000\n")
    compose = (stack / "compose.yaml").read_text().replace("ENABLE_IMAGE_GENERATION: true", "ENABLE_IMAGE_GENERATION: false")
    compose = compose.replace("IMAGES_OPENAI_API_BASE_URL: http://proxy:4000/v1", "IMAGES_OPENAI_API_BASE_URL: http://proxy:4000/$$v1")
    (stack / "compose.yaml").write_text(compose)
    run = run_cli("--offline", "--json", "--project", str(stack))
    [disabled] = fails(run, "openwebui-image-generation-disabled")
    assert disabled["location"] == {"file": "compose.yaml", "line": 6}
    [wrong] = fails(run, "openwebui-api-base-wrong")
    assert "/$v1" in wrong["message"] and wrong["location"]["line"] == 10


def test_image_size_from_env_file_points_at_that_file(tmp_path: Path) -> None:
    stack = base_stack(tmp_path, "titan-image", "MASTER=sk-unseen-master-42424242\nBEDROCK_KEY=ABSKunseen0000000000000000\n")
    (stack / "webui.env").write_text("# sizes\nIMAGE_SIZE=1024x768\n")
    run = run_cli("--offline", "--json", "--project", str(stack))
    [finding] = fails(run, "image-size-unsupported")
    assert finding["location"] == {"file": "webui.env", "line": 2}
    assert "Titan Image Generator v2" in finding["message"]


def test_json_cloudformation_template(tmp_path: Path) -> None:
    write(tmp_path, {"infrastructure/stack.json": """
        {
          "AWSTemplateFormatVersion": "2010-09-09",
          "Resources": {
            "Task": {
              "Type": "AWS::ECS::TaskDefinition",
              "Properties": {
                "ContainerDefinitions": [
                  {
                    "Name": "webui",
                    "Image": "ghcr.io/open-webui/open-webui:v0.12.4",
                    "Environment": [
                      {"Name": "ENABLE_IMAGE_GENERATION", "Value": "true"},
                      {"Name": "AWS_SECRET_ACCESS_KEY", "Value": "abcdEFGHijklMNOPqrstUVWXyz0123456789ABCD"}
                    ]
                  }
                ]
              }
            }
          }
        }
    """})
    run = run_cli("--offline", "--json", "--project", str(tmp_path))
    [unset] = fails(run, "openwebui-image-model-unset")
    assert unset["location"] == {"file": "infrastructure/stack.json", "line": 11}
    [static] = fails(run, "production-static-credentials")
    assert static["location"] == {"file": "infrastructure/stack.json", "line": 13}
    assert "abcdEFGH" not in run.stdout


def test_short_form_tags_resolve_parameters(tmp_path: Path) -> None:
    write(tmp_path, {"infrastructure/app.yml": """
        Parameters:
          ImageModel:
            Type: String
            Default: nova-canvas
          ImagePort:
            Type: String
            Default: "4100"
        Resources:
          Task:
            Type: AWS::ECS::TaskDefinition
            Properties:
              TaskRoleArn: !GetAtt Role.Arn
              ContainerDefinitions:
                - Name: !Sub "${AWS::StackName}-openwebui"
                  Image: !Join [":", [ghcr.io/open-webui/open-webui, main]]
                  Environment:
                    - Name: ENABLE_IMAGE_GENERATION
                      Value: !If [IsProd, "True", "True"]
                    - Name: IMAGE_GENERATION_MODEL
                      Value: !Ref ImageModel
                    - Name: IMAGES_OPENAI_API_BASE_URL
                      Value: !Sub "http://localhost:${ImagePort}/v1"
                    - Name: IMAGES_OPENAI_API_KEY
                      Value: !Ref MasterKey
    """})
    run = run_cli("--offline", "--json", "--project", str(tmp_path))
    assert run.results("config.files")[0]["status"] == "pass"
    model = run.results("cloudformation.openwebui.image-model")[0]
    assert model["status"] == "pass" and "nova-canvas" in model["message"]
    api = run.results("cloudformation.openwebui.images-api")[0]
    assert api["status"] == "pass" and "http://localhost:4100/v1" in api["message"]


def test_guide_layout_single_proxy_has_no_second_config(tmp_path: Path) -> None:
    """A project with only a litellm-config.yaml (no compose): the LiteLLM checks still run on it."""
    write(tmp_path, {"litellm-config.yaml": """
        model_list:
          - model_name: nova-canvas
            litellm_params:
              model: bedrock/amazon.nova-canvas-v1:0
              aws_region_name: eu-central-1
              stream: false
    """})
    run = run_cli("--offline", "--json", "--project", str(tmp_path))
    assert run.code == 1
    assert {f["fix"]["id"] for f in run.results(status="fail")} == {
        "litellm-stream-key-rejected", "bedrock-region-unsupported", "litellm-drop-params-off"}
    [stream] = fails(run, "litellm-stream-key-rejected")
    assert stream["location"] == {"file": "litellm-config.yaml", "line": 6}


def test_override_file_is_merged_like_compose(tmp_path: Path) -> None:
    """docker-compose.override.yml wins over the base file, and findings point into it."""
    stack = base_stack(tmp_path, "titan-image", "MASTER=sk-unseen-master-42424242\nBEDROCK_KEY=ABSKunseen0000000000000000\n")
    write(stack, {"compose.override.yaml": """
        services:
          webui:
            environment:
              IMAGE_GENERATION_MODEL: nova-canvas
    """})
    run = run_cli("--offline", "--json", "--project", str(stack))
    assert "compose.override.yaml" in run.results("config.files")[0]["message"]
    [missing] = fails(run, "litellm-model-not-found")
    assert "compose.override.yaml:4" in missing["message"]
    write(stack, {"compose.override.yaml": """
        services:
          webui:
            environment:
              IMAGE_SIZE: 1000x1000
    """})
    run = run_cli("--offline", "--json", "--project", str(stack))
    [size] = fails(run, "image-size-unsupported")
    assert size["location"] == {"file": "compose.override.yaml", "line": 4}


def test_compose_v2_project_name_is_read(tmp_path: Path) -> None:
    from canvas_doctor.checks.docker_stack import compose_project_name
    from canvas_doctor.stack.discover import discover
    stack = base_stack(tmp_path, "titan-image", "MASTER=sk-unseen-master-42424242\n")
    text = (stack / "compose.yaml").read_text()
    (stack / "compose.yaml").write_text("name: Image-Stack\n" + text)
    assert compose_project_name(discover(stack, environ={}), environ={}) == "image-stack"


def test_custom_built_services_with_other_names_are_recognised(tmp_path: Path) -> None:
    """No image names to go by: Open WebUI and the proxy are known by what they read."""
    write(tmp_path, {
        "docker-compose.yml": """
            services:
              chat-ui:
                build: ./ui
                environment:
                  - ENABLE_IMAGE_GENERATION=True
                  - OPENAI_API_BASE_URL=http://gateway:4000/v1
                  - OPENAI_API_KEY=${MASTER}
                  - IMAGES_OPENAI_API_BASE_URL=http://gateway:4000/v1
                  - IMAGES_OPENAI_API_KEY=${MASTER}
              gateway:
                build: ./gateway
                command: ["--config", "/etc/gw/config.yaml"]
                environment:
                  - LITELLM_MASTER_KEY=${MASTER}
                  - AWS_BEARER_TOKEN_BEDROCK=${KEY}
                volumes:
                  - ./gw.yaml:/etc/gw/config.yaml:ro
        """,
        "gw.yaml": IMAGE_CONFIG,
        ".env": "MASTER=sk-unseen-master-42424242\nKEY=ABSKunseen0000000000000000\n",
    })
    run = run_cli("--offline", "--json", "--project", str(tmp_path))
    [unset] = fails(run, "openwebui-image-model-unset")
    assert unset["location"] == {"file": "docker-compose.yml", "line": 4} and "chat-ui" in unset["message"]
    mounted = run.results("compose.litellm.config-mounted")[0]
    assert mounted["status"] == "pass" and "gateway" in mounted["message"]
