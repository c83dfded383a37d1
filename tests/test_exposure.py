"""Issue 15's "done when", on the guide's own stack through the real CLI: exposed as the guide writes it, quiet
when the same stack is bound to 127.0.0.1."""
from __future__ import annotations

import shutil
from pathlib import Path

from helpers import FIXTURES, TODAY, run_cli

EXPOSURE_FIXES = {"service-exposed", "openwebui-auth-disabled-exposed", "openwebui-signup-open", "image-cost-unbounded"}
KEY_CHECKS = {"compose.litellm.key-exposure", "cloudformation.litellm.key-exposure"}


def _guide_stack(tmp_path: Path, *, loopback: bool, auth_off: bool = False) -> Path:
    root = tmp_path / "guide"
    shutil.copytree(FIXTURES / "guide-as-written", root, ignore=shutil.ignore_patterns("expected.yaml", "README.md"))
    compose = root / "docker-compose.yml"
    text = compose.read_text()
    if loopback:
        text = text.replace('"4000:4000"', '"127.0.0.1:4000:4000"').replace('"8080:8080"', '"127.0.0.1:8080:8080"')
    if auth_off:
        text = text.replace("      - ENABLE_IMAGE_GENERATION=True\n", "      - WEBUI_AUTH=False\n      - ENABLE_IMAGE_GENERATION=True\n")
    compose.write_text(text)
    return root


def _exposure_findings(root: Path) -> list[dict]:
    run = run_cli("run", "--offline", "--json", "--project", str(root), "--today", TODAY)
    return [r for r in run.json["results"] if r["status"] in ("warn", "fail")
            and (r["fix"]["id"] in EXPOSURE_FIXES or r["check"] in KEY_CHECKS)]


def test_the_guides_stack_warns_litellm_is_on_every_interface_with_the_guides_key(tmp_path: Path) -> None:
    found = _exposure_findings(_guide_stack(tmp_path, loopback=False))
    key = [r for r in found if r["check"] == "compose.litellm.key-exposure"]
    assert len(key) == 1 and key[0]["status"] == "warn" and key[0]["fix"]["id"] == "litellm-master-key-unsafe"
    assert "every interface" in key[0]["message"] and "the key printed in the image-generation guide" in key[0]["message"]
    assert "sk-t…7890" in key[0]["message"] and "sk-test-1234567890" not in key[0]["message"]
    cost = [r for r in found if r["fix"]["id"] == "image-cost-unbounded"]
    assert len(cost) == 1 and "a minute of abuse costs $" in cost[0]["message"]
    assert "60 images a minute" in cost[0]["message"]


def test_no_login_on_a_published_port_warns_that_anyone_is_admin(tmp_path: Path) -> None:
    found = _exposure_findings(_guide_stack(tmp_path, loopback=False, auth_off=True))
    admin = [r for r in found if r["fix"]["id"] == "openwebui-auth-disabled-exposed"]
    assert len(admin) == 1 and admin[0]["status"] == "warn", found
    assert "anyone who reaches it is its admin" in admin[0]["message"]
    assert admin[0]["location"] == {"file": "docker-compose.yml", "line": 22}  # the inserted WEBUI_AUTH line


def test_the_same_stacks_bound_to_loopback_raise_none_of_these(tmp_path: Path) -> None:
    assert _exposure_findings(_guide_stack(tmp_path / "a", loopback=True)) == []
    assert _exposure_findings(_guide_stack(tmp_path / "b", loopback=True, auth_off=True)) == []


PORT_FORMS = """services:
  every:
    image: ghcr.io/berriai/litellm:main-v1.108.7
    command: ["--config", "/app/config.yaml", "--port", "4000"]
    ports:
      - "0.0.0.0:4001:4000"
      - "4002"
      - target: 4000
        published: 4003
        host_ip: 127.0.0.1
      - "[::1]:4004:4000"
      - "192.168.1.20:4005:4000"
    environment:
      - LITELLM_MASTER_KEY=sk-test-1234567890
  host-net:
    image: ghcr.io/berriai/litellm:main-v1.108.7
    command: ["--config", "/app/config.yaml", "--port", "4000"]
    network_mode: host
    environment:
      - LITELLM_MASTER_KEY=sk-test-1234567890
"""


def test_each_published_port_is_judged_by_its_address(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(PORT_FORMS)
    run = run_cli("run", "--offline", "--json", "--project", str(tmp_path), "--only", "compose.exposure")
    got = {(r["location"]["line"], r["status"]): r for r in run.json["results"]}
    # 127.0.0.1 (dict form, line 8) and [::1] (line 11) bind loopback: no finding of their own.
    assert set(got) == {(6, "warn"), (7, "warn"), (12, "warn"), (18, "warn")}, got
    assert "every interface of the host as 4001:4000" in got[(6, "warn")]["message"]
    assert "every interface of the host as 4002" in got[(7, "warn")]["message"]
    assert "published on 192.168.1.20" in got[(12, "warn")]["message"]
    assert "network_mode: host" in got[(18, "warn")]["message"]
    # The way out is written with the port as published: a random host port stays random (127.0.0.1::4002).
    assert '"127.0.0.1::4002"' in got[(7, "warn")]["fix"]["snippet"]
    assert '"127.0.0.1:4001:4000"' in got[(6, "warn")]["fix"]["snippet"]


def test_a_service_published_on_loopback_only_passes(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(PORT_FORMS.split("  host-net:")[0].replace(
        '      - "0.0.0.0:4001:4000"\n      - "4002"\n', "").replace('      - "192.168.1.20:4005:4000"\n', ""))
    run = run_cli("run", "--offline", "--json", "--project", str(tmp_path), "--only", "compose.exposure")
    [r] = run.json["results"]
    assert r["status"] == "pass" and "loopback only" in r["message"], r
