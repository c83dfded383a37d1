"""Checklist: Open WebUI's stored settings agree with its environment.

Read in Open WebUI 0.12.4: open_webui/models/config.py (table `config`, one row per key:
`key` TEXT primary key, `value` JSON, `updated_at`), config.py DEFAULT_CONFIG (which key holds
which environment variable), migrations 3ff2c63645b8 (before it, and in 0.6-0.9: one row with the
whole config as a JSON blob in a `data` column). At first start every setting is written to the
database; later environment changes are ignored while ENABLE_PERSISTENT_CONFIG is true (the
default) and RESET_CONFIG_ON_START is not. The database is copied out of the container
(webui.db with its -wal and -shm files, so recent uncheckpointed writes count) and read with sqlite3.
"""
from __future__ import annotations

import json
import posixpath
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from canvas_doctor.api import Result, check, failed, passed, skipped
from canvas_doctor.docker_client import Engine
from canvas_doctor.facts import OPENAI_PUBLIC_BASE, is_true
from canvas_doctor.redact import is_secret_name
from canvas_doctor.stack.model import Stack

from .docker_stack import openwebui_containers, StackContainer
from canvas_doctor.fixes import Fix, Variant


# -- the fixes this module's rules give (other rules import them from here) ----------------------
OPENWEBUI_CONFIG_PERSISTED = Fix(
    id="openwebui-config-persisted",
    title="Open WebUI ignores the changed environment: its database keeps the old setting",
    cause=(
        "Since 0.10, Open WebUI stores every setting in its database at first start; later environment changes "
        "are ignored."
    ),
    steps=(
        "Change it in Admin Settings > Images, or",
        "Start once with RESET_CONFIG_ON_START=true (or run with ENABLE_PERSISTENT_CONFIG=false)",
    ),
    snippet="- ENABLE_PERSISTENT_CONFIG=false",
    variants={
        "cloudformation": Variant(
            snippet=(
                "- Name: ENABLE_PERSISTENT_CONFIG\n"
                '  Value: "false"\n'
            ),
        ),
    },
)

DEFAULT_DATA_DIR = "/app/backend/data"   # open_webui/env.py: BACKEND_DIR / 'data' in the image
MAX_DB_BYTES = 256 * 1024 * 1024


def _text(env: dict[str, str], name: str) -> str | None:
    return env.get(name)


def _flag(env: dict[str, str], name: str) -> bool | None:
    return is_true(env[name]) if name in env else None


def _base_urls(env: dict[str, str], _: str) -> list[str] | None:
    """openai.api_base_urls as config.py computes it from OPENAI_API_BASE_URLS / OPENAI_API_BASE_URL."""
    if not env.get("OPENAI_API_BASE_URLS") and "OPENAI_API_BASE_URL" not in env:
        return None
    single = env.get("OPENAI_API_BASE_URL", "") or OPENAI_PUBLIC_BASE
    raw = env.get("OPENAI_API_BASE_URLS") or single.removesuffix("/")
    return [u.strip() if u != "" else OPENAI_PUBLIC_BASE for u in raw.split(";")]


def _keys(env: dict[str, str], _: str) -> list[str] | None:
    if not env.get("OPENAI_API_KEYS") and "OPENAI_API_KEY" not in env:
        return None
    return [k.strip() for k in (env.get("OPENAI_API_KEYS") or env.get("OPENAI_API_KEY", "")).split(";")]


@dataclass(frozen=True)
class StoredSetting:
    key: str                                             # row key (0.10+) / dotted path in the blob
    var: str                                             # the environment variable behind it
    expected: Callable[[dict[str, str], str], Any]       # what the environment makes of it (None: not set)


STORED = (
    StoredSetting("image_generation.enable", "ENABLE_IMAGE_GENERATION", _flag),
    StoredSetting("image_generation.engine", "IMAGE_GENERATION_ENGINE", _text),
    StoredSetting("image_generation.model", "IMAGE_GENERATION_MODEL", _text),
    StoredSetting("image_generation.size", "IMAGE_SIZE", _text),
    StoredSetting("image_generation.prompt.enable", "ENABLE_IMAGE_PROMPT_GENERATION", _flag),
    StoredSetting("image_generation.openai.api_base_url", "IMAGES_OPENAI_API_BASE_URL", _text),
    StoredSetting("image_generation.openai.api_key", "IMAGES_OPENAI_API_KEY", _text),
    StoredSetting("openai.api_base_urls", "OPENAI_API_BASE_URL", _base_urls),
    StoredSetting("openai.api_keys", "OPENAI_API_KEY", _keys),
)


def _normal(value: Any) -> Any:
    """Stored JSON as Open WebUI would use it ("true" strings from old blobs count as booleans)."""
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def database_path(env: dict[str, str]) -> tuple[str | None, str]:
    """Where the container keeps webui.db, or None and why it is not a readable SQLite file."""
    url = env.get("DATABASE_URL", "")
    if url:
        if url.startswith("sqlite+sqlcipher"):
            return None, "the database is encrypted (sqlite+sqlcipher)"
        if not url.startswith("sqlite:///"):
            return None, f"the settings live in an external database ({url.split(':', 1)[0]})"
        path = url[len("sqlite:///"):]
        return (path if path.startswith("/") else posixpath.join("/app/backend", path)), ""
    data_dir = env.get("DATA_DIR") or DEFAULT_DATA_DIR
    return posixpath.join(data_dir, "webui.db"), ""


def copy_out(container: Any, path: str, dest_dir: Path) -> bool:
    """Copy one file out of the container (docker cp); False when it does not exist there."""
    from docker.errors import NotFound
    try:
        stream, stat = container.get_archive(path)
    except NotFound:
        return False
    if int(stat.get("size") or 0) > MAX_DB_BYTES:
        raise ValueError(f"{path} is larger than {MAX_DB_BYTES // 2**20} MiB; not copied")
    with tempfile.SpooledTemporaryFile(max_size=8 * 2**20) as buf:
        for chunk in stream:
            buf.write(chunk)
        buf.seek(0)
        with tarfile.open(fileobj=buf) as tar:
            member = next((m for m in tar.getmembers() if m.isfile()), None)
            if member is None:
                return False
            src = tar.extractfile(member)
            assert src is not None
            with open(dest_dir / posixpath.basename(path), "wb") as out:
                shutil.copyfileobj(src, out)
    return True


def read_stored(db_file: Path) -> dict[str, Any]:
    """Stored settings by key, from either layout of the `config` table."""
    con = sqlite3.connect(str(db_file))
    try:
        cols = {row[1] for row in con.execute("PRAGMA table_info(config)")}
        if {"key", "value"} <= cols:       # 0.10+: one row per key, JSON values
            out = {}
            for key, raw in con.execute("SELECT key, value FROM config"):
                try:
                    out[str(key)] = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
                except ValueError:
                    out[str(key)] = raw
            return out
        if "data" in cols:                 # before: the latest row holds one JSON blob
            row = con.execute("SELECT data FROM config ORDER BY id DESC LIMIT 1").fetchone()
            blob = json.loads(row[0]) if row and isinstance(row[0], (str, bytes)) else (row[0] if row else {})
            return flatten(blob if isinstance(blob, dict) else {})
        return {}
    finally:
        con.close()


def flatten(blob: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in blob.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and not path.endswith(".params"):
            out.update(flatten(value, path + "."))
        out[path] = value
    return out


def stored_settings(sc: StackContainer, db_path: str) -> dict[str, Any] | None:
    """The container's stored settings; None when it has no database yet."""
    with tempfile.TemporaryDirectory(prefix="canvas-doctor-webui-") as tmp:
        if not copy_out(sc.container, db_path, Path(tmp)):
            return None
        for suffix in ("-wal", "-shm"):
            copy_out(sc.container, db_path + suffix, Path(tmp))
        return read_stored(Path(tmp) / posixpath.basename(db_path))


def _show(var: str, value: Any) -> str:
    return "(secret, not shown)" if is_secret_name(var) else json.dumps(value)


def compare(sc: StackContainer, stored: dict[str, Any], db_path: str) -> list[Result]:
    env = sc.env
    svc = sc.target.service
    out: list[Result] = []
    for setting in STORED:
        want = setting.expected(env, setting.var)
        if want is None or setting.key not in stored:
            continue  # not set in the environment, or not stored yet (seeded from the environment)
        have = _normal(stored[setting.key])
        if have == want:
            continue
        at = svc.at(setting.var) if svc else None
        out.append(failed(
            f"Open WebUI uses {setting.key} = {_show(setting.var, have)} from its database ({db_path} in "
            f"{sc.name}), not {setting.var} = {_show(setting.var, want)} from its environment: settings are "
            "stored at first start and later environment changes are ignored",
            fix="openwebui-config-persisted", at=at,
            params=sc.params(var=setting.var, key=setting.key), **sc.data(key=setting.key, variable=setting.var)))
    return out


@check(id="docker.openwebui.stored-settings", area="docker",
       title="Open WebUI's stored settings agree with its environment",
       needs=("docker",), depends_on=("docker.available",), timeout=30,
       fixes=(OPENWEBUI_CONFIG_PERSISTED,), image_path=True)
def stored_settings_agree(docker: Engine, stack: Stack):
    """webui.db's `config` table against the container's environment (Open WebUI 0.10+ keeps the first)."""
    found = openwebui_containers(docker, stack)
    if isinstance(found, Result):
        return found
    out: list[Result] = []
    for sc in found:
        env = sc.env
        if env.get("ENABLE_PERSISTENT_CONFIG", "true").lower() != "true":
            out.append(passed(f"{sc.label()}: ENABLE_PERSISTENT_CONFIG={env['ENABLE_PERSISTENT_CONFIG']}: "
                              "the environment always wins", **sc.data()))
            continue
        if is_true(env.get("RESET_CONFIG_ON_START")):
            out.append(passed(f"{sc.label()}: RESET_CONFIG_ON_START=true: the stored settings are replaced by the "
                              "environment at every start", **sc.data()))
            continue
        db_path, why = database_path(env)
        if db_path is None:
            out.append(skipped(f"{sc.label()}: {why}; stored settings not read", **sc.data()))
            continue
        try:
            stored = stored_settings(sc, db_path)
        except (ValueError, sqlite3.DatabaseError, tarfile.TarError) as exc:
            out.append(skipped(f"{sc.label()}: {db_path} could not be read: {exc}", **sc.data()))
            continue
        if stored is None:
            out.append(passed(f"{sc.label()} has no {db_path} yet: Open WebUI will store its environment at "
                              "first start", **sc.data()))
            continue
        problems = compare(sc, stored, db_path)
        out += problems or [passed(f"{sc.label()}: the stored image settings in {db_path} agree with its "
                                   f"environment ({sum(1 for s in STORED if s.key in stored)} compared)",
                                   **sc.data())]
    return out

