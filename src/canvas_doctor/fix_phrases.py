"""The phrases every fix text may name as a placeholder, e.g. `{restart_proxy}`: one fragment per runtime.

Each renders as the command for a compose service (`compose`), an ECS task (`ecs`) or a proxy known
only by its config or URL (`other`); each is a OneOf: the first alternative whose values the finding
has (see canvas_doctor.fixes). Shared by every rule's fixes.
"""
from __future__ import annotations

from .fixes import OneOf, Text

PHRASES: dict[str, dict[str, Text]] = {
    "recreate": {  # the environment or definition of {service} changed
        "compose": OneOf(
            "Recreate the container: docker compose up -d {service}",
            "Recreate the containers: docker compose up -d",
        ),
        "ecs": OneOf(
            (
                "Update the stack, so ECS starts {service} with the new task definition: aws cloudformation "
                "deploy --template-file {template} --stack-name <stack-name>"
            ),
            (
                "Update the stack, so ECS starts tasks with the new task definition: aws cloudformation deploy "
                "--template-file {template} --stack-name <stack-name>"
            ),
            "Update the stack (aws cloudformation deploy), so ECS starts tasks with the new task definition",
        ),
        "other": OneOf(
            "Restart the {service} container so it gets the new setting",
            "Restart the container so it gets the new setting",
        ),
    },
    "restart_proxy": {  # the proxy's config file changed
        "compose": OneOf(
            "Restart the proxy: docker compose restart {service}",
            "Restart the proxy: docker compose restart",
        ),
        "ecs": OneOf(
            (
                "Get the changed config to the {service} container the way the task reads it (its image, or the "
                "S3 object LITELLM_CONFIG_BUCKET_NAME and LITELLM_CONFIG_BUCKET_OBJECT_KEY name), then start new "
                "tasks: aws ecs update-service --cluster <cluster> --service <ecs-service> --force-new-deployment"
            ),
            (
                "Get the changed config to the proxy's container the way the task reads it (its image, or the S3 "
                "object LITELLM_CONFIG_BUCKET_NAME and LITELLM_CONFIG_BUCKET_OBJECT_KEY name), then start new "
                "tasks: aws ecs update-service --cluster <cluster> --service <ecs-service> --force-new-deployment"
            ),
        ),
        "other": OneOf(
            "Restart the proxy (however it runs) so it reads {file} again",
            "Restart the proxy (however it runs) so it reads its config again",
        ),
    },
    "start_proxy": {  # the proxy does not answer
        "compose": OneOf(
            (
                "Check the container and start it: docker compose ps {service}; docker compose logs --tail 50 "
                "{service}; docker compose up -d {service}"
            ),
            (
                "Check the containers and start them: docker compose ps; docker compose logs --tail 50; docker "
                "compose up -d"
            ),
        ),
        "ecs": OneOf(
            (
                "Check the ECS service's tasks (stopped reason, the {service} container's log) and its desired "
                "count"
            ),
            "Check the ECS service's tasks (stopped reason, the proxy container's log) and its desired count",
        ),
        "other": OneOf(
            "Start the proxy (litellm --config {file}) or check why it stopped",
            "Start the proxy (litellm --config <its config>) or check why it stopped",
        ),
    },
    "proxy_logs": {  # where the proxy's log is
        "compose": OneOf(
            "docker compose logs --tail 100 {service}",
            "docker compose logs --tail 100",
        ),
        "ecs": OneOf(
            "the {service} container's log in CloudWatch Logs (the awslogs-group of its LogConfiguration)",
            "the proxy container's log in CloudWatch Logs (the awslogs-group of its LogConfiguration)",
        ),
        "other": OneOf(
            "the proxy's own log (its console output)",
        ),
    },
}
