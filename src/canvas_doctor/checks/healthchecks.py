"""Health checks: compose `healthcheck:`, ECS container `HealthCheck` and load-balancer target groups.

Two faults seen on real stacks (issue 8, class 7):
- a probe of LiteLLM's `/health` (LiteLLM 1.108.7 `_health_endpoints.py`: `@router.get("/health",
  dependencies=[Depends(user_api_key_auth)])`): without the key it answers 401, so the container,
  task or target is never healthy; with the key every call runs a real request to each model of the
  config (one billed image per image model). `/health/liveliness` and `/health/liveness` need no
  key and call no model; `/health/readiness` needs no key either.
- a compose test Docker cannot run as written (see healthcheck_probe).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from canvas_doctor.api import Location, Result, check, failed, passed, skipped, warned
from canvas_doctor.checks.healthcheck_probe import (
    HttpCall, Probe, as_list_literal, compose_probe, ecs_probe, expand, fails_on_http_error, http_calls,
    sends_key, split_command,
)
from canvas_doctor.facts import image_model
from canvas_doctor.stack.model import Proxy, Service, Stack
from canvas_doctor.stack.queries import deployment_image_model, is_image_deployment
from canvas_doctor.stack.yamlsource import LMap, LSeq
from canvas_doctor.fixes import Fix, OneOf


# -- the fixes this module's rules give (other rules import them from here) ----------------------
LITELLM_HEALTHCHECK_BILLABLE = Fix(
    id="litellm-healthcheck-billable",
    title="Probe LiteLLM at /health/liveliness, not /health",
    cause=(
        "LiteLLM's /health needs the key and runs a real request to every model of the config on each call "
        "(LiteLLM 1.108.7): without the key it answers 401, so the container, task or target is never healthy; "
        "with the key every probe bills one image per image model, and it still answers 200 when every model is "
        "unhealthy. /health/liveliness needs no key and calls no model."
    ),
    steps=(
        (
            "In {file}, change {where} to call LiteLLM's /health/liveliness on port {port} (no key needed; an "
            "Authorization header there is ignored)"
        ),
        "{apply}",
    ),
    snippet=OneOf(
        "{probe_snippet}",
        None,
    ),
    params=("apply", "file", "probe_snippet", "where"),
)

HEALTHCHECK_INVALID = Fix(
    id="healthcheck-invalid",
    title="Write the health check as a command Docker can run",
    cause=(
        'Docker runs ["CMD", "program", "arg", ...] without a shell, one item per argument, and ["CMD-SHELL", '
        '"one command line"] as /bin/sh -c "one command line". A CMD-SHELL list of several items runs only the '
        "first item (a bare `wget`), a CMD whose one item is the whole command line looks for a program of that "
        "name, and an empty test has nothing to run: the check fails every time, the service is never healthy, "
        "and services that wait for it with `condition: service_healthy` never start."
    ),
    steps=(
        (
            "In {file}, rewrite the test of the {service} service's healthcheck as shown: CMD with one item per "
            "argument, or CMD-SHELL with the whole command line as one string"
        ),
        (
            "For a LiteLLM service the snippet calls python: LiteLLM images have had neither curl nor wget since "
            "their chainguard base (about 1.80; BerriAI/litellm#17645), while python is always there"
        ),
        "Recreate the container: docker compose up -d {service}",
        (
            "Watch it turn healthy: docker compose ps {service} (docker inspect --format '{{{{json "
            ".State.Health}}}}' <container> shows the probe's output)"
        ),
    ),
    snippet=OneOf(
        "{test_snippet}",
        None,
    ),
    params=("file", "test_snippet"),
)

BILLABLE_PATH = "/health"
LIVELINESS = "/health/liveliness"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1"}
CFN_APPLY = ("Deploy the changed template (update the CloudFormation stack): ECS then starts tasks "
             "with the new health check")


def python_liveliness(port: int) -> list[str]:
    """A probe every LiteLLM image can run: it has python, and since about 1.80 neither curl nor wget."""
    return ["CMD", "python", "-c", f"import urllib.request; urllib.request.urlopen('http://localhost:{port}{LIVELINESS}')"]


def _compose_apply(service: str) -> str:
    return f"Recreate the container: docker compose up -d {service}"


# -- shared reading --------------------------------------------------------------------------

def listen_port(svc: Service) -> int:
    """The port LiteLLM listens on inside its container: --port, else PORT, else 4000."""
    try:
        return int(svc.arg("--port") or svc.get("PORT") or 4000)
    except ValueError:
        return 4000


def healthy_dependants(stack: Stack, name: str) -> list[str]:
    """Compose services that wait for `name` with `depends_on: {name: {condition: service_healthy}}`."""
    out = []
    for other in stack.compose_services.values():
        deps = other.raw.get("depends_on") if other.raw is not None else None
        if isinstance(deps, dict):
            cfg = deps.get(name)
            if isinstance(cfg, dict) and cfg.get("condition") == "service_healthy":
                out.append(other.name)
    return out


def _never_start(dependants: list[str]) -> str:
    if not dependants:
        return ""
    names = ", ".join(dependants)
    verb = "never starts" if len(dependants) == 1 else "never start"
    return f", and {names} (depends_on ... condition: service_healthy) {verb}"


def _compose_variables(stack: Stack) -> dict[str, str]:
    env = stack.env_file
    return dict(env.values) if env is not None and not getattr(env, "error", None) else {}


def _shell_env(svc: Service) -> dict[str, str]:
    return {name: s.value for name, s in svc.env.items()}


def _runs_text(probe: Probe, svc: Service, stack: Stack | None) -> str:
    """The command Docker runs, with compose's and the container shell's variables substituted."""
    envs = ([_compose_variables(stack)] if stack is not None else []) + ([_shell_env(svc)]
                                                                         if probe.form == "CMD-SHELL" else [])
    return expand(probe.runs, *envs)


def _runnable(probe: Probe) -> bool:
    if probe.form == "CMD":
        return bool(probe.items) and probe.items[0].strip() != "" and " " not in probe.items[0].strip()
    return probe.form == "CMD-SHELL" and bool(probe.items) and bool(probe.items[0].strip())


@dataclass
class Billing:
    """What one call of /health costs on a proxy whose config is known (or not)."""

    text: str
    per_day: str = ""


def _billing(call: HttpCall, proxy: Proxy | None, interval_s: float) -> Billing:
    """What each call runs, from the proxy's config when the doctor has it."""
    every = f"every {interval_s:g} s"
    per_day_calls = 86400 / interval_s if interval_s > 0 else 0
    wanted = (call.query.get("model") or [None])[0]
    config = proxy.config if proxy is not None else None
    if config is None or config.error:
        what = f"one request to model {wanted}" if wanted else "one request to every model of its config"
        return Billing(f"{what} {every} (one billed image per image model)")
    deployments = [d for d in config.deployments if wanted is None or d.model_name == wanted]
    images = [d for d in deployments if is_image_deployment(d)]
    if wanted and not deployments:
        return Billing(f"a request for model {wanted} {every}, which {proxy.name} does not serve (the probe then "
                       "answers 503)")
    if not images:
        return Billing(f"a paid chat request to each of {len(deployments)} model(s) {every}")
    names = ", ".join(sorted({d.model_name for d in images}))
    text = f"{len(images)} billed image(s) ({names}) {every}"
    prices = [m.price_per_image for m in (deployment_image_model(d) or image_model(d.base_model_id) for d in images)
              if m is not None]
    if len(prices) == len(images) and per_day_calls:
        per_day = per_day_calls * sum(prices)
        text += f": about {per_day_calls * len(images):,.0f} images a day (about ${per_day:,.0f})"
    return Billing(text)


_HEALTH_URL_PATH = re.compile(r"(?<=[\w}\]])/health(?:\?[^\s'\"]*)?(?=$|[\s'\"\\)])")


def _liveliness_items(probe: Probe) -> list[str]:
    """The probe's own items with its /health path turned into /health/liveliness (query dropped)."""
    return [probe.form, *[_HEALTH_URL_PATH.sub(LIVELINESS, item) for item in probe.items]]


def _billable_message(who: str, call: HttpCall, probe_text: str, proxy: Proxy | None, interval_s: float,
                      consequence: str) -> tuple[str, bool] | None:
    """The finding's message, or None when the probe neither bills nor fails (curl without -f, no key)."""
    shown = call.path + ("?" + "&".join(f"{k}={v[0]}" for k, v in call.query.items()) if call.query else "")
    if sends_key(probe_text):
        cost = _billing(call, proxy, interval_s)
        return (f"{who} calls LiteLLM's {shown} with the key: each call makes real model calls, "
                f"{cost.text}; {LIVELINESS} needs no key and calls no model", True)
    if fails_on_http_error(probe_text):
        return (f"{who} calls LiteLLM's {shown} without a key: LiteLLM answers 401 (No api key passed in), "
                f"so {consequence}; with the key each call would bill one image per image model. "
                f"{LIVELINESS} needs no key", False)
    return None


# -- compose -----------------------------------------------------------------------------------

def _compose_target(stack: Stack, svc: Service, call: HttpCall) -> Proxy | None:
    """The compose LiteLLM proxy a probe URL reaches: this container on localhost, or a service by name."""
    if call.host in LOCAL_HOSTS:
        proxy = stack.proxies.get(svc.name)
    else:
        proxy = next((p for p in stack.proxies.values() if p.service is not None
                      and call.host in {h.lower() for h in p.service.hostnames}), None)
    if proxy is None or proxy.service is None or call.port != proxy.port:
        return None
    return proxy


@check(id="compose.healthcheck.litellm-liveliness", area="config",
       title="Compose health checks of LiteLLM call /health/liveliness, not the billable /health", fixes=(LITELLM_HEALTHCHECK_BILLABLE,))
def compose_litellm_probe(stack):
    """A compose probe of LiteLLM's /health: 401 without the key (never healthy), billed with it."""
    out: list[Result] = []
    for svc in stack.compose_services.values():
        probe = compose_probe(svc.raw)
        if probe is None or not _runnable(probe):
            continue
        text = _runs_text(probe, svc, stack)
        for call in http_calls(text):
            proxy = _compose_target(stack, svc, call)
            if proxy is None:
                continue
            at = Location(svc.file, probe.line)
            if call.path != BILLABLE_PATH:
                out.append(passed(f"{svc.name}: the health check calls {proxy.name}'s {call.path}", at=at,
                                  service=svc.name))
                continue
            local = proxy.service is svc
            who = f"the {svc.name} health check" + ("" if local else f" (of {proxy.name})")
            consequence = (f"{svc.name} is never healthy" + _never_start(healthy_dependants(stack, svc.name)))
            found = _billable_message(who, call, probe.runs, proxy, probe.interval_s, consequence)
            if found is None:
                out.append(passed(f"{svc.name}: the health check calls /health without a key, and its command "
                                  "does not fail on the 401: no model is called", at=at, service=svc.name))
                continue
            message, billed = found
            snippet = "healthcheck:\n  test: " + as_list_literal(_liveliness_items(probe))
            out.append(failed(message, fix="litellm-healthcheck-billable", at=at, service=svc.name, billed=billed,
                              params={"service": svc.name, "file": svc.file, "port": proxy.port,
                                      "where": f"the {svc.name} service's healthcheck test",
                                      "probe_snippet": snippet, "apply": _compose_apply(svc.name)}))
    return out or [skipped("no compose health check calls a LiteLLM proxy")]


def _invalid(probe: Probe, svc: Service, stack: Stack) -> tuple[str, str, bool] | None:
    """(message, corrected test, is a failure) for a test Docker cannot run as written; None when fine."""
    name = svc.name
    never = f"{name} is never healthy" + _never_start(healthy_dependants(stack, name))
    if probe.form == "other":
        first = probe.items[0] if probe.items else ""
        fixed = ["CMD", *probe.items]
        return (f"the {name} health check's test list starts with {first!r}, not CMD, CMD-SHELL or NONE: Docker "
                "Compose v2 refuses the whole file (healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" "
                "or \"NONE\")", as_list_literal(fixed), True)
    if probe.form == "NONE":
        return None
    if not probe.items or (probe.form == "CMD" and not probe.items[0].strip()):
        extra = " (Docker Engine 20.10's daemon even crashes on an empty CMD)" if probe.form == "CMD" else \
            " (/bin/sh: -c requires an argument)"
        return (f"the {name} health check's test has no command{extra}: {never}",
                as_list_literal(["CMD-SHELL", f"<a command that exits 0 when {name} is ready>"]), True)
    first = probe.items[0]
    if probe.form == "CMD-SHELL" and not first.strip():
        return (f"the {name} health check's test is empty: /bin/sh -c '' succeeds at once, so {name} is reported "
                "healthy before it is ready and services waiting for it start too early",
                as_list_literal(["CMD-SHELL", f"<a command that exits 0 when {name} is ready>"]), False)
    if probe.form == "CMD-SHELL" and len(probe.items) > 1:
        if any(tok in first for tok in ("$0", "$1", "$@", "$*", "${1", "${@")):
            return None  # the later items are the script's arguments on purpose
        dropped = probe.items[1:]
        essential = " " not in first.strip() or any(
            d.startswith("-") or "://" in d or "/" in d for d in dropped)
        if not essential:
            return None
        line = " ".join(probe.items)
        if fails_on_http_error(line) and "||" not in line:
            line += " || exit 1"
        return (f"the {name} health check is CMD-SHELL with {len(probe.items)} items: the shell runs only the "
                f"first one, {first!r}, and never sees {' '.join(dropped)!r}, so the check fails every time: {never}",
                as_list_literal(["CMD-SHELL", line]), True)
    if probe.form == "CMD" and " " in first.strip():
        return (f"the {name} health check is CMD with the whole command line as one item: Docker looks for a "
                f"program named {first!r} (exec: no such file or directory), so {never}",
                as_list_literal(["CMD", *split_command(first), *probe.items[1:]]), True)
    return None


@check(id="compose.healthcheck.runnable", area="config",
       title="Compose health checks are commands Docker can run", fixes=(HEALTHCHECK_INVALID,))
def compose_probe_runnable(stack):
    """CMD-SHELL takes one command line, CMD one item per argument; anything else never passes."""
    out: list[Result] = []
    for svc in stack.compose_services.values():
        probe = compose_probe(svc.raw)
        if probe is None:
            continue
        at = Location(svc.file, probe.line)
        found = _invalid(probe, svc, stack)
        if found is None:
            out.append(passed(f"{svc.name}: the health check runs as written ({probe.form})", at=at, service=svc.name))
            continue
        message, fixed, is_failure = found
        proxy = stack.proxies.get(svc.name)
        if proxy is not None and proxy.service is svc and probe.form != "other":
            fixed = as_list_literal(python_liveliness(proxy.port))  # runs in every LiteLLM image
        params = {"service": svc.name, "file": svc.file, "test_snippet": "healthcheck:\n  test: " + fixed}
        result = failed if is_failure else warned
        out.append(result(message, fix="healthcheck-invalid", at=at, params=params, service=svc.name))
    return out or [skipped("no compose service writes a health check")]


# -- CloudFormation ----------------------------------------------------------------------------

def _resources(template: LMap) -> dict:
    res = template.get("Resources")
    return res if isinstance(res, dict) else {}


def _task_containers(stack: Stack) -> dict[int, list[Service]]:
    """id(container definition) -> the Service objects of its task definition (they share localhost)."""
    by_raw = {id(s.raw): s for s in stack.cfn_services if s.raw is not None}
    out: dict[int, list[Service]] = {}
    for template in stack.cfn_templates.values():
        for res in _resources(template).values():
            if not isinstance(res, dict) or res.get("Type") != "AWS::ECS::TaskDefinition":
                continue
            props = res.get("Properties")
            cdefs = props.get("ContainerDefinitions") if isinstance(props, dict) else None
            if not isinstance(cdefs, list):
                continue
            group = [by_raw[id(c)] for c in cdefs if id(c) in by_raw]
            for s in group:
                out[id(s.raw)] = group
    return out


def _scalar(value, template: LMap) -> str:
    """A literal, or a !Ref to a parameter with a default; else ''."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict) and set(value) == {"Ref"}:
        params = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
        p = params.get(value["Ref"]) if isinstance(params, dict) else None
        if isinstance(p, dict) and p.get("Default") is not None:
            return str(p["Default"])
    return ""


def _matcher_accepts_401(props: LMap) -> bool:
    matcher = props.get("Matcher")
    codes = str(matcher.get("HttpCode") or "") if isinstance(matcher, dict) else ""
    for part in codes.split(","):
        lo, _, hi = part.strip().partition("-")
        try:
            if int(lo) <= 401 <= int(hi or lo):
                return True
        except ValueError:
            continue
    return False


def _ecs_service_links(template: LMap, tg_name: str) -> list[tuple[str, str, int]]:
    """(ECS service resource, ContainerName, line) of each LoadBalancers entry that names the target group."""
    out = []
    for res_name, res in _resources(template).items():
        if not isinstance(res, dict) or res.get("Type") != "AWS::ECS::Service":
            continue
        props = res.get("Properties")
        lbs = props.get("LoadBalancers") if isinstance(props, dict) else None
        if not isinstance(lbs, LSeq):
            continue
        for i, lb in enumerate(lbs):
            if isinstance(lb, dict) and lb.get("TargetGroupArn") == {"Ref": tg_name}:
                out.append((str(res_name), _scalar(lb.get("ContainerName"), template), lbs.line_of(i)))
    return out


def _target_group_litellm(stack: Stack, file: str, template: LMap, tg_name: str, props: LMap
                          ) -> tuple[Service, str] | None:
    """The LiteLLM container a target group fronts, and the evidence; None when it fronts something else."""
    containers = [s for s in stack.cfn_services if s.file == file]
    links = _ecs_service_links(template, tg_name)
    if links:  # the ECS service says which container the target group sends to: that decides
        for ecs_name, container, line in links:
            svc = next((s for s in containers if s.name == container), None)
            if svc is not None and svc.is_litellm:
                return svc, f"the ECS service {ecs_name} registers its {container} container in it, line {line}"
        return None
    port = _scalar(props.get("Port"), template)
    hc_port = _scalar(props.get("HealthCheckPort"), template)
    probe_port = hc_port if hc_port and hc_port != "traffic-port" else port
    if not probe_port.isdigit():
        return None
    listeners = [s for s in containers if int(probe_port) in {p.container_port for p in s.ports}
                 or (s.is_litellm and listen_port(s) == int(probe_port))]
    litellm = [s for s in listeners if s.is_litellm]
    if litellm and len(litellm) == len(listeners):
        return litellm[0], f"no ECS service names it; its port {probe_port} is the {litellm[0].name} container's"
    return None


@check(id="cloudformation.healthcheck.litellm-liveliness", area="config",
       title="ECS and load-balancer health checks of LiteLLM call /health/liveliness, not /health", fixes=(LITELLM_HEALTHCHECK_BILLABLE,))
def cloudformation_litellm_probe(stack):
    """An ECS container HealthCheck or a target group's HealthCheckPath on LiteLLM's /health."""
    out: list[Result] = []
    tasks = _task_containers(stack)
    for svc in stack.cfn_services:
        probe = ecs_probe(svc.raw)
        if probe is None or not _runnable(probe):
            continue
        text = _runs_text(probe, svc, None)
        for call in http_calls(text):
            if call.host not in LOCAL_HOSTS:
                continue
            target = next((c for c in tasks.get(id(svc.raw), [svc]) if c.is_litellm and listen_port(c) == call.port),
                          None)
            if target is None:
                continue
            at = Location(svc.file, probe.line)
            if call.path != BILLABLE_PATH:
                out.append(passed(f"{svc.name}: the health check calls {target.name}'s {call.path}", at=at,
                                  service=svc.name))
                continue
            who = f"the {svc.name} container's HealthCheck" + ("" if target is svc else f" (of {target.name})")
            consequence = f"ECS marks the {svc.name} container unhealthy and replaces the task, again and again"
            found = _billable_message(who, call, probe.runs, None, probe.interval_s, consequence)
            if found is None:
                out.append(passed(f"{svc.name}: the HealthCheck calls /health without a key, and its command does "
                                  "not fail on the 401: no model is called", at=at, service=svc.name))
                continue
            message, billed = found
            snippet = "HealthCheck:\n  Command: " + as_list_literal(_liveliness_items(probe))
            out.append(failed(message, fix="litellm-healthcheck-billable", at=at, service=svc.name, billed=billed,
                              params={"service": svc.name, "file": svc.file, "port": listen_port(target),
                                      "where": f"the {svc.name} container's HealthCheck Command",
                                      "probe_snippet": snippet, "apply": CFN_APPLY}))
    for file, template in stack.cfn_templates.items():
        for tg_name, res in _resources(template).items():
            if not isinstance(res, LMap) or res.get("Type") != "AWS::ElasticLoadBalancingV2::TargetGroup":
                continue
            props = res.get("Properties")
            if not isinstance(props, LMap) or "HealthCheckPath" not in props:
                continue
            if _scalar(props.get("HealthCheckProtocol"), template).upper() == "TCP":
                continue
            path = _scalar(props.get("HealthCheckPath"), template)
            found_target = _target_group_litellm(stack, file, template, str(tg_name), props)
            if found_target is None:
                continue
            target, evidence = found_target
            at = Location(file, props.line_of("HealthCheckPath"))
            if path.split("?", 1)[0] != BILLABLE_PATH:
                out.append(passed(f"target group {tg_name} probes {target.name} at {path}", at=at, service=target.name))
                continue
            if _matcher_accepts_401(props):
                out.append(passed(f"target group {tg_name} probes {target.name}'s /health but accepts its 401: no "
                                  "model is called", at=at, service=target.name))
                continue
            replaced = " and ECS stops each task that fails it" if evidence.startswith("the ECS service") else ""
            message = (f"target group {tg_name} health-checks LiteLLM at {path} ({evidence}): a load balancer sends "
                       f"no key, so LiteLLM answers 401 and every target is unhealthy{replaced}; {LIVELINESS} "
                       "needs no key and calls no model")
            out.append(failed(message, fix="litellm-healthcheck-billable", at=at, service=target.name, billed=False,
                              params={"service": target.name, "file": file, "port": listen_port(target),
                                      "where": f"the HealthCheckPath of target group {tg_name}",
                                      "probe_snippet": f"HealthCheckPath: {LIVELINESS}", "apply": CFN_APPLY}))
    return out or [skipped("no ECS or load-balancer health check reaches a LiteLLM container")]
