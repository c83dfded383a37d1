"""Every fix text renders exactly as recorded: the move of the texts from fixes.yaml into the rule
modules (issue 11) changed no byte a user reads.

tests/data/fix_texts.json holds, per fix id, the param sets rendered and what each gave. Record it
again (only when a text is changed on purpose): `python tests/test_fix_texts.py --record`.
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "data" / "fix_texts.json"
# (lang, runs): the language of the finding's file and how its service runs (see canvas_doctor.advice)
CONTEXTS = ((None, None), ("compose", "compose"), ("env", "compose"), ("cloudformation", "ecs"),
            ("litellm", "compose"), ("litellm", "ecs"), ("litellm", "other"), (None, "other"))
TODAY = "2026-12-01"


def _param_sets(fix_id: str) -> list[dict]:
    from canvas_doctor.fixes import placeholders
    names = sorted(placeholders(fix_id) - {"lang", "runs"})
    full = {n: f"<{n}>" for n in names}
    half = {n: f"<{n}>" for n in names[::2]}
    other_half = {n: f"<{n}>" for n in names[1::2]}
    sets: list[dict] = [{}]
    for lang, runs in CONTEXTS:
        ctx = {k: v for k, v in (("lang", lang), ("runs", runs)) if v}
        sets += [ctx, {**full, **ctx}, {**half, **ctx}, {**other_half, **ctx}]
    return sets


def _rendered(fix) -> dict:
    return asdict(fix) | {"steps": list(fix.steps)}


def _render_all(cases: dict[str, dict]) -> dict[str, dict]:
    """Per fix id: the distinct renderings, each param set with the index of its rendering, explain's."""
    from canvas_doctor.fixes import render, render_generic
    out = {}
    for fix_id, case in cases.items():
        outputs: list[dict] = []
        renders = []
        for params, _ in case["renders"]:
            got = _rendered(render(fix_id, params))
            if got not in outputs:
                outputs.append(got)
            renders.append([params, outputs.index(got)])
        out[fix_id] = {
            "outputs": outputs, "renders": renders,
            "generic": {str(lang): _rendered(render_generic(fix_id, None if lang == "None" else lang))
                        for lang in case["generic"]},
        }
    return out


def record() -> None:
    from canvas_doctor.fixes import catalog, variants
    cases = {fix_id: {"renders": [[p, None] for p in _param_sets(fix_id)],
                      "generic": {str(lang): None for lang in [None, *variants(fix_id)]}}
             for fix_id in catalog()}
    GOLDEN.write_text(json.dumps(_render_all(cases), indent=1, ensure_ascii=False, sort_keys=True) + "\n")


@pytest.fixture(autouse=True)
def _pinned_day(monkeypatch) -> None:
    monkeypatch.setenv("CANVAS_DOCTOR_TODAY", TODAY)  # explain's lifecycle example depends on the day


def test_every_fix_renders_byte_identically_to_the_record() -> None:
    from canvas_doctor.fixes import catalog
    recorded = json.loads(GOLDEN.read_text())
    # a fix removed on purpose leaves the record with it; a new one needs no record (adding a rule
    # stays one file and its case), and joins it at the next --record
    assert not set(recorded) - set(catalog()), sorted(set(recorded) - set(catalog()))
    now = _render_all(recorded)
    for fix_id in recorded:
        old, new = recorded[fix_id], now[fix_id]
        for (params, want), (_, got) in zip(old["renders"], new["renders"], strict=True):
            assert new["outputs"][got] == old["outputs"][want], (fix_id, params)
        assert now[fix_id]["generic"] == recorded[fix_id]["generic"], fix_id


if __name__ == "__main__" and "--record" in sys.argv:
    import os
    os.environ["CANVAS_DOCTOR_TODAY"] = TODAY
    record()
