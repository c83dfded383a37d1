"""Keys anyone knows: a LiteLLM master key that is short or printed in the guide, or written in a tracked
file, on a proxy that others can reach.

LiteLLM (1.104+) refuses only an empty key and `sk-1234` (compose.litellm.master-key says so); it
starts with the guide's `sk-test-1234567890`, with a 6-character key, or with a key committed in the
compose file or the template, and then anyone who reaches the port and knows the key calls Bedrock
on the stack's account. On loopback only, nothing is reported. The key is shown masked.
"""
from __future__ import annotations

from canvas_doctor.api import Result, failed, passed, rule, skipped, warned
from canvas_doctor.checks.litellm_service import LITELLM_MASTER_KEY_UNSAFE
from canvas_doctor.redact import mask
from canvas_doctor.stack.access import in_tracked_file, key_weakness, master_key, refused_at_start
from canvas_doctor.stack.exposure import PUBLIC, widest
from canvas_doctor.stack.model import Service, Stack


@rule(ids={"compose": "compose.litellm.key-exposure", "cloudformation": "cloudformation.litellm.key-exposure"},
      role="litellm", area="config", title="A LiteLLM proxy others can reach has a key nobody else knows",
      fixes=(LITELLM_MASTER_KEY_UNSAFE,))
def key_nobody_knows(svc: Service, stack: Stack) -> Result:
    """A short master key, the guide's `sk-test-1234567890`, or a key written in the compose file or the template
    itself (rather than .env, a secret or Secrets Manager), on a proxy reachable beyond loopback: a warning on a
    compose port, a failure behind a public load balancer."""
    key = master_key(stack, svc)
    if key.setting is not None and key.setting.origin == "cloudformation secret":
        return passed(f"{svc.name}: the master key comes from a secret (Secrets Manager), not the template",
                      at=key.at)
    if not key.known:
        return skipped(f"{svc.name}: the master key comes from where the files do not show it (a secret, an unset "
                       "variable, an example file)")
    if svc.kind == "compose" and refused_at_start(key):
        return skipped(f"{svc.name}: no master key or sk-1234 (see compose.litellm.master-key)")
    way = widest(stack, svc)
    weak = key_weakness(key)
    tracked = in_tracked_file(key.setting)
    shown = f" ({mask(key.value)})" if key.value else ""
    if way is None:
        return passed(f"{svc.name}: reachable on loopback only, so its master key is not exposed", at=key.at)
    report = failed if way.scope == PUBLIC else warned
    params = {"service": svc.name, "file": key.at.file if key.at else svc.file}
    if weak:
        where = f", written in {tracked}" if tracked else ""
        return report(f"the {svc.name} proxy is reachable beyond this machine ({way.how}) with {weak}{shown}{where}: "
                      "anyone who knows it can generate images billed to the stack's AWS account",
                      fix=LITELLM_MASTER_KEY_UNSAFE, at=key.at, params=params, scope=way.scope)
    if tracked:
        return report(f"the {svc.name} proxy's master key{shown} is written in {tracked}, a file the repository "
                      f"tracks, and the proxy is reachable beyond this machine ({way.how}): whoever reads the "
                      "repository can call Bedrock through it", fix=LITELLM_MASTER_KEY_UNSAFE, at=key.at,
                      params=params, scope=way.scope)
    return passed(f"{svc.name}: {way.how}, with a private master key kept out of tracked files", at=key.at)
