"""Who can reach a LiteLLM or Open WebUI definition: its published ports, or the load balancers and
security groups a CloudFormation template puts in front of it.

Compose: a `ports:` entry without a host address (`4000:4000`), or with 0.0.0.0 / ::, binds every
interface of the host; `127.0.0.1:` / `::1:` / `localhost:` binds loopback only; `network_mode: host`
listens wherever the program listens (every interface). CloudFormation: an `AWS::ECS::Service` whose
`LoadBalancers` name the container reaches it through a target group, its listeners and their load
balancer (`Scheme` internet-facing, the default, with a security group open to 0.0.0.0/0 or ::/0, or a
network load balancer, which has none); a task with `AssignPublicIp: ENABLED` and such a security group
is reached directly. A listener that is not HTTPS/TLS is plain HTTP: keys and passwords cross the
internet in clear.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from ..models import Location
from .model import Service, Stack
from .yamlsource import LMap

LOOPBACK = "loopback"
HOST = "host"        # every interface (or a LAN address) of a developer's machine
PUBLIC = "public"    # the internet, as a template deploys it
_RANK = {LOOPBACK: 0, HOST: 1, PUBLIC: 2}

LOOPBACK_ADDRESSES = {"127.0.0.1", "::1", "localhost"}
EVERY_INTERFACE = {None, "", "0.0.0.0", "::"}
OPEN_CIDRS = {"0.0.0.0/0", "::/0"}
TLS_PROTOCOLS = {"HTTPS", "TLS"}


@dataclass(frozen=True)
class Exposure:
    """One way in to a service, and how wide it is."""

    service: str
    scope: str                 # loopback, host, public
    how: str                   # "published on every interface as 4000:4000"
    at: Location
    plain_http: bool = False   # a public way in without TLS
    load_balancer: str = ""    # the template's logical id of the load balancer (public only)
    published: str = ""        # a compose port as written without its address: "4000:4000"

    @property
    def beyond_loopback(self) -> bool:
        return self.scope != LOOPBACK


def exposures(stack: Stack, svc: Service) -> list[Exposure]:
    """Every way in to `svc` the files show (an empty list: not reachable from outside its network)."""
    if svc.kind == "compose":
        return _compose(svc)
    if svc.kind == "cloudformation":
        return list(_cloudformation(stack, svc))
    return []


def widest(stack: Stack, svc: Service) -> Exposure | None:
    """The widest way in beyond loopback (public before host), else None."""
    wide = [e for e in exposures(stack, svc) if e.beyond_loopback]
    return max(wide, key=lambda e: (_RANK[e.scope], e.plain_http), default=None)


def _compose(svc: Service) -> list[Exposure]:
    out: list[Exposure] = []
    if (svc.network_mode or "") == "host":
        line = svc.raw.line_of("network_mode") if svc.raw is not None and "network_mode" in svc.raw else svc.line
        out.append(Exposure(svc.name, HOST, "runs with network_mode: host (it listens on every interface)",
                            Location(svc.file, line)))
    for pm in svc.ports:
        ip = str(pm.host_ip or "").strip("[]")
        where = Location(svc.file, pm.line)
        shown = f"{pm.host_port}:{pm.container_port}" if pm.host_port else str(pm.container_port)
        bindable = shown if pm.host_port else f":{pm.container_port}"   # 127.0.0.1::4000 keeps a random host port
        if ip in LOOPBACK_ADDRESSES:
            out.append(Exposure(svc.name, LOOPBACK, f"published on loopback only as {ip}:{shown}", where))
        elif ip in EVERY_INTERFACE:
            out.append(Exposure(svc.name, HOST, f"published on every interface of the host as {shown}", where,
                                published=bindable))
        else:
            out.append(Exposure(svc.name, HOST, f"published on {ip} as {ip}:{shown}", where, published=bindable))
    return out


# -- CloudFormation ---------------------------------------------------------------------------------

def ref_name(value: Any) -> str | None:
    """The logical id a `!Ref X` / `!GetAtt X.Arn` / plain string names."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Ref":
            return str(arg)
        if fn == "Fn::GetAtt":
            return str(arg[0]) if isinstance(arg, list) and arg else str(arg).split(".", 1)[0]
    return None


def resources(data: Any) -> dict[str, LMap]:
    res = data.get("Resources") if isinstance(data, dict) else None
    return {k: v for k, v in res.items() if isinstance(v, LMap)} if isinstance(res, dict) else {}


def of_type(res: dict[str, LMap], kind: str) -> Iterator[tuple[str, LMap]]:
    for name, r in res.items():
        if r.get("Type") == kind:
            props = r.get("Properties")
            yield name, props if isinstance(props, LMap) else LMap()


def _task_of(res: dict[str, LMap], svc: Service) -> str | None:
    for name, props in of_type(res, "AWS::ECS::TaskDefinition"):
        if any(c is svc.raw for c in props.get("ContainerDefinitions") or []):
            return name
    return None


def open_security_groups(res: dict[str, LMap]) -> dict[str, int | None]:
    """Security groups with an ingress from 0.0.0.0/0 or ::/0: their logical id and the ingress line."""
    out: dict[str, int | None] = {}
    for name, props in of_type(res, "AWS::EC2::SecurityGroup"):
        for i, rule in enumerate(props.get("SecurityGroupIngress") or []):
            if isinstance(rule, dict) and (rule.get("CidrIp") in OPEN_CIDRS or rule.get("CidrIpv6") in OPEN_CIDRS):
                out.setdefault(name, props["SecurityGroupIngress"].line_of(i))
    for _, props in of_type(res, "AWS::EC2::SecurityGroupIngress"):
        group = ref_name(props.get("GroupId"))
        if group and (props.get("CidrIp") in OPEN_CIDRS or props.get("CidrIpv6") in OPEN_CIDRS):
            out.setdefault(group, props.line_of("CidrIp") if "CidrIp" in props else None)
    return out


def _forwarded_groups(actions: Any) -> set[str]:
    out: set[str] = set()
    for action in actions if isinstance(actions, list) else []:
        if not isinstance(action, dict):
            continue
        if action.get("TargetGroupArn") is not None:
            out.add(ref_name(action["TargetGroupArn"]) or "")
        forward = action.get("ForwardConfig")
        for tg in (forward.get("TargetGroups") or []) if isinstance(forward, dict) else []:
            if isinstance(tg, dict):
                out.add(ref_name(tg.get("TargetGroupArn")) or "")
    return out


def listeners_for(res: dict[str, LMap], target_group: str) -> Iterator[tuple[str, LMap]]:
    """The listeners that forward to `target_group` (directly or through a listener rule)."""
    listeners = dict(of_type(res, "AWS::ElasticLoadBalancingV2::Listener"))
    via_rules = {ref_name(p.get("ListenerArn")) for _, p in of_type(res, "AWS::ElasticLoadBalancingV2::ListenerRule")
                 if target_group in _forwarded_groups(p.get("Actions"))}
    for name, props in listeners.items():
        if target_group in _forwarded_groups(props.get("DefaultActions")) or name in via_rules:
            yield name, props


def public_load_balancer(res: dict[str, LMap], lb_name: str, open_sgs: dict[str, int | None]) -> bool:
    """An internet-facing load balancer that anyone can reach (an open security group, or an NLB)."""
    r = res.get(lb_name)
    props = r.get("Properties") if isinstance(r, LMap) else None
    if not isinstance(props, LMap):
        return False
    if str(props.get("Scheme") or "internet-facing") != "internet-facing":
        return False
    groups = [ref_name(g) for g in props.get("SecurityGroups") or []]
    if not groups:
        return str(props.get("Type") or "application") == "network"
    return any(g in open_sgs for g in groups)


def _cloudformation(stack: Stack, svc: Service) -> Iterator[Exposure]:
    res = resources(stack.cfn_templates.get(svc.file))
    task = _task_of(res, svc)
    if task is None:
        return
    open_sgs = open_security_groups(res)
    for _, ecs in of_type(res, "AWS::ECS::Service"):
        if ref_name(ecs.get("TaskDefinition")) != task:
            continue
        for entry in ecs.get("LoadBalancers") or []:
            if not isinstance(entry, dict) or str(entry.get("ContainerName") or "") != svc.name:
                continue
            tg = ref_name(entry.get("TargetGroupArn")) or ""
            for lname, listener in listeners_for(res, tg):
                lb = ref_name(listener.get("LoadBalancerArn")) or ""
                if not public_load_balancer(res, lb, open_sgs):
                    continue
                proto = str(listener.get("Protocol") or "HTTP").upper()
                port = listener.get("Port")
                line = listener.line_of("Protocol") if "Protocol" in listener else res[lname].line_of("Properties")
                yield Exposure(svc.name, PUBLIC,
                               f"behind the internet-facing load balancer {lb} ({proto} listener {lname} on port "
                               f"{port}, open to 0.0.0.0/0)", Location(svc.file, line),
                               plain_http=proto not in TLS_PROTOCOLS, load_balancer=lb)
        net = ecs.get("NetworkConfiguration")
        vpc = net.get("AwsvpcConfiguration") if isinstance(net, dict) else None
        if isinstance(vpc, LMap) and str(vpc.get("AssignPublicIp") or "").upper() == "ENABLED":
            groups = [ref_name(g) for g in vpc.get("SecurityGroups") or []]
            if svc.ports and any(g in open_sgs for g in groups):
                yield Exposure(svc.name, PUBLIC, "on a public IP with a security group open to 0.0.0.0/0",
                               Location(svc.file, vpc.line_of("AssignPublicIp")), plain_http=True)
