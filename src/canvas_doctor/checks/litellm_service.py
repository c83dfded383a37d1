"""Checklist: the LiteLLM containers of the compose file can start with their config and keys."""
from __future__ import annotations

from canvas_doctor.api import Location, Result, check, failed, passed, skipped
from canvas_doctor.facts import LITELLM_PUBLIC_MASTER_KEYS
from canvas_doctor.stack.model import Proxy, Stack
from canvas_doctor.stack.queries import image_deployments, param
from canvas_doctor.versions import LITELLM, describe, holds
from canvas_doctor.fixes import Fix, OneOf, Variant


# -- the fixes this module's rules give (other rules import them from here) ----------------------
LITELLM_CONFIG_NOT_MOUNTED = Fix(
    id="litellm-config-not-mounted",
    title="Mount the LiteLLM config where `--config` reads it",
    cause=(
        "The litellm service's `--config` names a path that no volume of the service provides, so the proxy "
        "starts without the models of your config file."
    ),
    steps=(
        "Add a bind mount of the config to the {service} service: ./litellm-config.yaml:{target}:ro",
        "Make sure the command passes --config {target}",
        "{recreate}",
    ),
    snippet=OneOf(
        (
            "{service}:\n"
            '  command: ["--config", "{target}", "--port", "{port}"]\n'
            "  volumes:\n"
            "    - ./litellm-config.yaml:{target}:ro\n"
        ),
        (
            "{service}:\n"
            '  command: ["--config", "{target}"]\n'
            "  volumes:\n"
            "    - ./litellm-config.yaml:{target}:ro\n"
        ),
    ),
    guide_section='Error: "Model not found: nova-canvas"',
    params=("file", "target"),
    variants={
        "cloudformation": Variant(
            cause=(
                "LiteLLM reads its config from the file `--config` (or CONFIG_FILE_PATH) names, or from an S3 "
                "object (LITELLM_CONFIG_BUCKET_NAME and LITELLM_CONFIG_BUCKET_OBJECT_KEY); a variable holding "
                "the config text is never read, so the proxy starts without your models."
            ),
            steps=(
                "Put the config in an S3 bucket the task role may read (s3:GetObject on the object)",
                (
                    "Name the object in the Environment of the {service} container in {file}, in place of the "
                    "variable that holds the config text"
                ),
                "{recreate}",
            ),
            snippet=(
                "- Name: LITELLM_CONFIG_BUCKET_NAME\n"
                '  Value: "<bucket>"\n'
                "- Name: LITELLM_CONFIG_BUCKET_OBJECT_KEY\n"
                '  Value: "litellm-config.yaml"\n'
            ),
        ),
    },
    edit="canvas_doctor.edits.from_stack:plan_config_mounted",
)

LITELLM_MASTER_KEY_UNSAFE = Fix(
    id="litellm-master-key-unsafe",
    title="Set a private master key for the proxy",
    cause=(
        "With no master key, or the publicly known `sk-1234`, LiteLLM (1.108.7) refuses to start; with a short key, "
        "one printed in a guide (`sk-test-1234567890`) or one committed in a tracked file, it starts, and anyone who "
        "reaches the proxy and knows the key spends the Bedrock bill."
    ),
    steps=(
        "Generate one: python -c 'import secrets; print(\"sk-\" + secrets.token_urlsafe(24))'",
        "Put LITELLM_MASTER_KEY=<it> in .env and pass it to the {service} service",
        "Use the same value for OPENAI_API_KEY / IMAGES_OPENAI_API_KEY of Open WebUI",
    ),
    snippet="- LITELLM_MASTER_KEY=${{LITELLM_MASTER_KEY}}",
    params=("file",),
    variants={
        "litellm": Variant(
            steps=(
                "Generate one: python -c 'import secrets; print(\"sk-\" + secrets.token_urlsafe(24))'",
                (
                    "Put LITELLM_MASTER_KEY=<it> in the proxy's environment (e.g. .env) and read it in {file}: "
                    "general_settings.master_key: os.environ/LITELLM_MASTER_KEY"
                ),
                "Use the same value for OPENAI_API_KEY / IMAGES_OPENAI_API_KEY of Open WebUI",
                "{restart_proxy}",
            ),
            snippet=(
                "general_settings:\n"
                "  master_key: os.environ/LITELLM_MASTER_KEY\n"
            ),
        ),
        "cloudformation": Variant(
            steps=(
                "Generate one: python -c 'import secrets; print(\"sk-\" + secrets.token_urlsafe(24))'",
                (
                    "Store it in AWS Secrets Manager and give it to the {service} container in {file} under "
                    "Secrets, not in Environment"
                ),
                "Give Open WebUI's OPENAI_API_KEY / IMAGES_OPENAI_API_KEY the same secret",
                "{recreate}",
            ),
            snippet=(
                "Secrets:\n"
                "  - Name: LITELLM_MASTER_KEY\n"
                "    ValueFrom: !Ref LiteLLMMasterKeySecret   # an AWS::SecretsManager::Secret of the template\n"
            ),
        ),
    },
)

# fixes written in other rule modules are named by id (the registry resolves them at load; a typo
# fails there), so this module imports no other rule

DEFAULT_CONFIG_TARGET = "/app/config.yaml"


def _compose_proxies(stack: Stack) -> list[Proxy]:
    return [p for p in stack.proxies.values() if p.service is not None]


@check(id="compose.litellm.config-mounted", area="config",
       title="The LiteLLM config is mounted where --config reads it",
       fixes=(LITELLM_CONFIG_NOT_MOUNTED,))
def config_is_mounted(stack):
    """Guide: Error "Model not found", step 2."""
    proxies = _compose_proxies(stack)
    if not proxies:
        return skipped("no LiteLLM service in the compose file")
    out: list[Result] = []
    for proxy in proxies:
        svc = proxy.service
        vol_line = svc.raw.line_of("volumes") if svc.raw is not None and "volumes" in svc.raw else svc.line
        target = proxy.config_container_path or DEFAULT_CONFIG_TARGET
        params = {"service": svc.name, "target": target, "file": svc.file}
        cmd_at = Location(svc.file, svc.raw.line_of("command") if svc.raw is not None and "command" in svc.raw
                          else svc.line)
        if proxy.config_in_env is not None:
            var = proxy.config_in_env.name
            out.append(failed(f"the {svc.name} service hands LiteLLM its config in the variable {var}, which LiteLLM "
                              "never reads (it reads --config, CONFIG_FILE_PATH, or LITELLM_CONFIG_BUCKET_NAME + "
                              "LITELLM_CONFIG_BUCKET_OBJECT_KEY): the proxy serves no models",
                              fix="litellm-config-not-mounted", at=svc.at(var), params=params))
        elif proxy.config_elsewhere:
            out.append(passed(f"{svc.name}: the config comes from {proxy.config_elsewhere}", at=cmd_at,
                              config_source=proxy.config_elsewhere))
        elif not proxy.config_container_path:
            if proxy.models_in_db:
                out.append(passed(f"{svc.name}: no config file; STORE_MODEL_IN_DB=True keeps the models in LiteLLM's "
                                  "database (only the live checks can see them)", at=svc.at("STORE_MODEL_IN_DB")))
                continue
            out.append(failed(f"the {svc.name} service starts LiteLLM without --config (nor CONFIG_FILE_PATH): it "
                              "serves no models from your config file", fix="litellm-config-not-mounted",
                              at=cmd_at, params=params))
        elif not proxy.config_mounted:
            out.append(failed(f"the {svc.name} service reads --config {target}, but no volume mounts a file there: "
                              "the proxy starts without your models", fix="litellm-config-not-mounted",
                              at=Location(svc.file, vol_line), params=params))
        else:
            shown = proxy.config.display if proxy.config else "?"
            how = "is mounted" if proxy.config is None or proxy.config.origin == "file" else \
                f"comes from {proxy.config.origin}"
            out.append(passed(f"{svc.name}: {shown} {how} at {target}", at=Location(svc.file, vol_line)))
    return out


def _weak_key_outcome(stack: Stack, proxy: Proxy) -> str:
    """What LiteLLM does with no master key or sk-1234, for the version in play (versions.md L12)."""
    version = stack.version_of(LITELLM, proxy.service.name if proxy.service else None)
    shown = describe(version, LITELLM)
    if holds("litellm.refuses-weak-master-key", version):
        return f"LiteLLM refuses to start with it from 1.104.0 ({shown})"
    return (f"before 1.104.0 LiteLLM starts anyway and accepts any key, so anyone who reaches it can spend "
            f"the Bedrock bill ({shown})")


@check(id="compose.litellm.master-key", area="config", title="Each LiteLLM proxy has a private master key",
       fixes=(LITELLM_MASTER_KEY_UNSAFE,))
def master_key_is_safe(stack):
    """Each proxy has a master key that is set and not publicly known (`sk-1234`): LiteLLM 1.104.0 and later
    refuse to start without one; older releases start and accept any key (an open proxy)."""
    out: list[Result] = []
    for proxy in stack.proxies.values():
        key = proxy.master_key()
        svc = proxy.service
        params = {"service": proxy.name}
        if key is not None and not key.value and key.from_reference:
            out.append(skipped(f"{proxy.name}: the master key comes from a variable that is not set here "
                               f"({key.location or 'set it in .env or the environment'})"))
            continue
        examples = {m.example for m in stack.env_missing}
        if key is not None and key.location is not None and key.location.file in examples:
            out.append(skipped(f"{proxy.name}: the master key is read from {key.location.file}, an example: the real "
                               "key is in the file it is copied to (see config.env-file)"))
            continue
        if (key is None or not key.value) and svc is not None and svc.missing_env_files:
            out.append(skipped(f"{proxy.name}: the master key may be in {', '.join(svc.missing_env_files)}, which "
                               "is not here (see config.files)"))
            continue
        if key is None or not key.value:
            if svc is None:
                out.append(skipped(f"{proxy.name}: no master_key in the config; LiteLLM may get it from "
                                   "LITELLM_MASTER_KEY, which only the compose file would tell"))
                continue
            where = key.location if key is not None else svc.at("LITELLM_MASTER_KEY")
            out.append(failed(f"the {proxy.name} proxy has no master key (general_settings.master_key or "
                              f"LITELLM_MASTER_KEY): {_weak_key_outcome(stack, proxy)}", fix="litellm-master-key-unsafe",
                              at=where, params={**params, "file": where.file if where else ""}))
        elif key.value in LITELLM_PUBLIC_MASTER_KEYS:
            out.append(failed(f"the {proxy.name} proxy's master key is the publicly known default: "
                              f"{_weak_key_outcome(stack, proxy)}", fix="litellm-master-key-unsafe", at=key.location,
                              params={**params, "file": key.location.file if key.location else ""}))
        else:
            out.append(passed(f"{proxy.name}: master key set", at=key.location))
    return out or [skipped("no LiteLLM proxy found")]


_SIGV4_PAIRS = (("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),)
_OTHER_SOURCES = ("AWS_BEARER_TOKEN_BEDROCK", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI")


def _credential_source(proxy: Proxy) -> tuple[str | None, list[str]]:
    """Which credential source reaches the proxy's Bedrock calls, and which referenced variables are empty."""
    svc = proxy.service
    empty_refs: list[str] = []
    for dep in image_deployments(proxy):
        for key in ("api_key", "aws_bearer_token", "aws_access_key_id", "aws_profile_name", "aws_role_name",
                    "aws_web_identity_token"):
            if key in dep.params:
                value, ref = param(dep, key, svc)
                if value:
                    return f"{key} of {dep.model_name}", []
                if ref:
                    empty_refs.append(str(dep.params[key]).split("/", 1)[-1])
    if svc is not None:
        for a, b in _SIGV4_PAIRS:
            if svc.get(a) and svc.get(b):
                return f"{a}/{b}", empty_refs
        for name in _OTHER_SOURCES:
            if svc.get(name):
                return name, empty_refs
        if any(m.target.rstrip("/").endswith("/.aws") for m in svc.mounts):
            return "a mounted ~/.aws folder", empty_refs
    return None, empty_refs


@check(id="compose.litellm.aws-credentials", area="config",
       title="The image proxy gets AWS credentials or a Bedrock API key",
       fixes=("aws-credentials-missing",), image_path=True)
def aws_credentials_reach_proxy(stack):
    """Guide Method 2: AWS_BEARER_TOKEN_BEDROCK must reach the proxy."""
    proxy = stack.image_proxy
    if proxy is None or proxy.service is None:
        return skipped("no LiteLLM service in the compose file (credentials come from where the proxy runs)")
    if not [d for d in image_deployments(proxy) if d.provider == "bedrock"]:
        return skipped(f"{proxy.name} has no Bedrock image deployment")
    source, empty = _credential_source(proxy)
    svc = proxy.service
    from_example = [m.example for m in stack.env_missing]
    referenced = [n for n in ("AWS_BEARER_TOKEN_BEDROCK", "AWS_ACCESS_KEY_ID", "AWS_PROFILE")
                  if n in svc.env and svc.env[n].from_reference]
    if not source and from_example and (referenced or empty):
        return skipped(f"{proxy.name} takes its Bedrock credentials from {', '.join(referenced or empty)}, which only "
                       f"{from_example[0]} names here (see config.env-file)")
    if source:
        var = source.split("/")[0] if source.isupper() or "/" in source else None
        return passed(f"{proxy.name}: Bedrock credentials from {source}", at=svc.at(var))
    detail = (f" (the config reads {', '.join('os.environ/' + e for e in empty)}, which is not set for the service)"
              if empty else "")
    return failed(f"no AWS credentials or Bedrock API key reach the {svc.name} service{detail}: every Bedrock call "
                  "fails with \"Invalid Authentication\"", fix="aws-credentials-missing",
                  at=svc.at(empty[0] if empty else None), params={"service": svc.name, "file": svc.file})


@check(id="cloudformation.litellm.config-source", area="config",
       title="The production LiteLLM container gets its config in a way LiteLLM reads",
       fixes=(LITELLM_CONFIG_NOT_MOUNTED,))
def cfn_config_source(stack):
    """An ECS container given its config text in an environment variable (LITELLM_CONFIG ...) serves no
    models: LiteLLM reads --config, CONFIG_FILE_PATH, or the LITELLM_CONFIG_BUCKET_* pair."""
    from canvas_doctor.stack.discover import CONFIG_TEXT_VARS
    out: list[Result] = []
    for svc in stack.cfn_services:
        if not svc.is_litellm:
            continue
        var = next((v for v in CONFIG_TEXT_VARS if v in svc.env), None)
        if var is not None:
            out.append(failed(f"the {svc.name} container hands LiteLLM its config in the variable {var}, which "
                              "LiteLLM never reads (it reads --config, CONFIG_FILE_PATH, or LITELLM_CONFIG_BUCKET_NAME "
                              "+ LITELLM_CONFIG_BUCKET_OBJECT_KEY): production serves no models",
                              fix="litellm-config-not-mounted", at=svc.at(var),
                              params={"service": svc.name, "target": "/app/config.yaml", "file": svc.file}))
        else:
            out.append(passed(f"{svc.name}: no config text in an unread variable", at=svc.at()))
    return out or [skipped("no LiteLLM container in the CloudFormation templates")]
