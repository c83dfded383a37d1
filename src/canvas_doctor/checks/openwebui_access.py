"""Who is an admin: an Open WebUI that others can reach, with no login or with a signup that hands out
image generation.

Open WebUI 0.12.4 reads WEBUI_AUTH (open_webui/env.py, default True; False removes the login and makes
every visitor the admin), ENABLE_SIGNUP (config.py, default True, forced off without auth),
DEFAULT_USER_ROLE (default `pending`: a new account waits for an admin) and
USER_PERMISSIONS_FEATURES_IMAGE_GENERATION (default True). On loopback these are a developer's
choice and nothing is reported.
"""
from __future__ import annotations

from canvas_doctor.api import Result, failed, passed, rule, warned
from canvas_doctor.fixes import Fix, Variant
from canvas_doctor.stack.access import auth_disabled, signup_grants_images
from canvas_doctor.stack.exposure import PUBLIC, widest
from canvas_doctor.stack.model import Service, Stack

OPENWEBUI_AUTH_DISABLED_EXPOSED = Fix(
    id="openwebui-auth-disabled-exposed",
    title="Turn Open WebUI's login back on, or keep it on loopback",
    cause=(
        "With WEBUI_AUTH=False Open WebUI has no login: everyone who reaches the port is its admin, can change its "
        "settings and generate images billed to the stack's AWS account."
    ),
    steps=(
        "Remove WEBUI_AUTH=False from the {service} environment in {file} (or bind its port to 127.0.0.1)",
        "Sign in as the admin after the restart and check Admin Panel > Users for accounts you did not make",
        "{recreate}",
    ),
    snippet='ports:\n  - "127.0.0.1:8080:8080"   # or drop WEBUI_AUTH=False\n',
    guide_section="Security Best Practices",
    params=("file",),
    variants={"cloudformation": Variant(
        steps=("Remove the WEBUI_AUTH entry from the Environment of the {service} container in {file}",
               "{recreate}"),
        snippet='- Name: WEBUI_AUTH\n  Value: "True"\n')},
)

OPENWEBUI_SIGNUP_OPEN = Fix(
    id="openwebui-signup-open",
    title="Make new Open WebUI accounts wait for an admin",
    cause=(
        "Signup is open and new accounts start with a role that may generate images: anyone who reaches Open WebUI "
        "can make an account and spend the Bedrock bill."
    ),
    steps=(
        "Set DEFAULT_USER_ROLE=pending (Open WebUI's default) or ENABLE_SIGNUP=False for {service} in {file}",
        "Open WebUI keeps these settings in its database after the first start: change them under Admin Panel > "
        "Settings > General too",
        "{recreate}",
    ),
    snippet="- DEFAULT_USER_ROLE=pending\n",
    guide_section="Security Best Practices",
    params=("file",),
    variants={"cloudformation": Variant(snippet='- Name: DEFAULT_USER_ROLE\n  Value: "pending"\n')},
)


@rule(ids={"compose": "compose.openwebui.access", "cloudformation": "cloudformation.openwebui.access"},
      role="openwebui", area="config", title="Only the people meant to can use Open WebUI's image generation",
      fixes=(OPENWEBUI_AUTH_DISABLED_EXPOSED, OPENWEBUI_SIGNUP_OPEN), image_path=True)
def openwebui_access(svc: Service, stack: Stack) -> Result:
    """WEBUI_AUTH=False on a port others reach makes every visitor the admin; open signup with
    DEFAULT_USER_ROLE=user (or admin) lets anyone make an account that generates images. A warning on a
    compose port published beyond loopback, a failure behind a public load balancer."""
    way = widest(stack, svc)
    params = {"service": svc.name, "file": svc.file}
    off = auth_disabled(svc)
    signup = signup_grants_images(svc)
    if way is None:
        state = "no login (WEBUI_AUTH=False)" if off else ("open signup" if signup else "its login")
        return passed(f"{svc.name}: reachable on loopback only, {state}", at=svc.at())
    report = failed if way.scope == PUBLIC else warned
    if off:
        return report(f"{svc.name} runs with WEBUI_AUTH=False and is reachable beyond this machine ({way.how}): "
                      "anyone who reaches it is its admin and can generate billed images",
                      fix=OPENWEBUI_AUTH_DISABLED_EXPOSED, at=svc.at("WEBUI_AUTH"), params=params)
    if signup:
        at = svc.at("DEFAULT_USER_ROLE")
        return report(f"{svc.name} is reachable beyond this machine ({way.how}) and {signup}",
                      fix=OPENWEBUI_SIGNUP_OPEN, at=at, params=params)
    role = (svc.get("DEFAULT_USER_ROLE") or "pending").strip().lower()
    return passed(f"{svc.name}: {way.how}, behind its login (new accounts: {role})", at=svc.at())
