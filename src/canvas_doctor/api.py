"""What a check author imports.

A rule is one module: the :class:`Fix` objects its findings carry at the top, then the checks.
A check is a plain function decorated with :func:`check`; its docstring is what `canvas-doctor
explain CHECK_ID` shows. It asks for its inputs by parameter name (``stack``, ``settings``,
``results`` and the inputs of the `canvas_doctor.inputs` entry-point group: ``http``,
``litellm``, ``docker``, ``aws``) and the runner injects them, so checks never build their own
clients. It returns one :class:`Result`, a list of them, or yields them; it never prints.

    IMAGE_MODEL_UNSET = Fix(id="openwebui-image-model-unset", title="Tell Open WebUI which model generates images",
                            steps=("Add IMAGE_GENERATION_MODEL={model} to {file}",), params=("model", "file"))

    @check(id="compose.openwebui.image-model", area="config", title="Open WebUI knows its image model",
           fixes=(IMAGE_MODEL_UNSET,))
    def image_model_is_set(stack):
        # its docstring: what `explain` shows (Open WebUI asks for dall-e-2 without the setting)
        ...
        return failed("IMAGE_GENERATION_MODEL is not set", fix=IMAGE_MODEL_UNSET, at=loc, params={...})
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from .fixes import Fix, OneOf, Variant
from .models import AREAS, NEEDS, CheckSpec, Location, Result, Status

CHECK_ATTR = "__canvas_doctor_check__"
TARGETS_ATTR = "__canvas_doctor_targets__"  # on a rule's fanned-out check: (role, origin)

__all__ = [
    "check", "rule", "fan_out", "passed", "warned", "failed", "skipped", "Location", "Result", "Status", "CHECK_ATTR",
    "Fix", "OneOf", "Variant",
]


def check(
    *,
    id: str,
    area: str,
    title: str,
    needs: Iterable[str] = ("files",),
    depends_on: Iterable[str] = (),
    after: Iterable[str] = (),
    timeout: float = 10.0,
    retry_on_wait: bool = False,
    image_path: bool = False,
    opt_in: bool = False,
    fixes: Iterable[Fix | str] = (),
    aliases: Iterable[str] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a function as a check. Registration happens in the registry, not on import.

    `depends_on`: checks that must pass (or warn) first, else this one is skipped with the reason.
    `after`: checks to wait for (their results are in the injected `results`) without that rule,
    for a check that must run precisely when another failed.
    `image_path`: a rule of the LiteLLM/Bedrock image path; the runner skips it, with the reason, where
    the stack sets up no image generation or draws with another engine on purpose.
    `needs`: what it touches; "paid" for a check that spends money. The runner's policy
    (canvas_doctor.policy) runs a paid check with the live generation or when named by its exact id;
    `opt_in` one only when named by its exact id.
    `fixes`: every fix its warnings and failures may carry: :class:`Fix` objects, or fix ids of
    fixes declared elsewhere (a third-party plugin may name a built-in fix by id). The registry
    refuses a plugin that names an id no loaded rule declares; at run time a warn/fail with an
    undeclared fix id is an `error` result (a check bug). A check that declares none is not held
    to a list.
    `aliases`: the ids this check had before a rename; --only, --skip and explain accept them."""
    if area not in AREAS:
        raise ValueError(f"check {id}: unknown area {area!r}; one of {', '.join(AREAS)}")
    needs_t = tuple(needs)
    unknown = [n for n in needs_t if n not in NEEDS]
    if unknown:
        raise ValueError(f"check {id}: unknown needs {unknown}; any of {', '.join(NEEDS)}")
    if isinstance(fixes, (str, Fix)):
        raise TypeError(f"check {id}: fixes must be a list of fix ids, not the string {fixes!r}")
    if isinstance(aliases, str):
        raise TypeError(f"check {id}: aliases must be a list of ids, not the string {aliases!r}")
    bad = [f for f in fixes if not isinstance(f, (str, Fix))]
    if bad:
        raise TypeError(f"check {id}: fixes holds {bad!r}; each is a Fix or a fix id")
    decls = tuple(f for f in fixes if isinstance(f, Fix))
    fixes_t = tuple(f.id if isinstance(f, Fix) else f for f in fixes)

    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        setattr(func, CHECK_ATTR, CheckSpec(
            id=id, area=area, title=title, func=func, needs=needs_t,
            depends_on=tuple(depends_on), after=tuple(after), timeout=timeout, retry_on_wait=retry_on_wait,
            image_path=image_path, opt_in=opt_in,
            fixes=fixes_t, fix_decls=decls, aliases=tuple(aliases),
        ))
        return func

    return mark


def rule(
    *,
    ids: Mapping[str, str],
    role: str,
    area: str,
    title: str,
    needs: Iterable[str] = ("files",),
    image_path: bool = False,
    fixes: Iterable[Fix | str] = (),
    timeout: float = 10.0,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a rule over targets: a function judging ONE Open WebUI or LiteLLM definition.

    `ids` maps an origin (compose, cloudformation, ecs: see stack/targets.py) to the check id users
    select it by. The framework runs the function once per target of that origin and says so when
    there is none; the function takes the target first, then any injectable input by name
    (`stack`, `settings`, ...), and returns what a check returns. Its docstring explains the rule.

        @rule(ids={"compose": "compose.openwebui.image-model", "cloudformation": "cloudformation.openwebui.image-model"},
              role="openwebui", area="config", title="Open WebUI knows which image model to use",
              fixes=("openwebui-image-model-unset",))
        def image_model_is_set(svc, stack): ...
    """
    from .stack.targets import ORIGINS, ROLES
    if role not in ROLES:
        raise ValueError(f"rule {title!r}: unknown role {role!r}; one of {', '.join(ROLES)}")
    unknown = [o for o in ids if o not in ORIGINS]
    if unknown:
        raise ValueError(f"rule {title!r}: unknown origins {unknown}; any of {', '.join(ORIGINS)}")

    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        specs = []
        for origin, check_id in ids.items():
            fanned = fan_out(func, role, origin)
            marked = check(id=check_id, area=area, title=title + ORIGINS[origin].title_suffix, needs=needs,
                           image_path=image_path, fixes=fixes, timeout=timeout)(fanned)
            specs.append(getattr(marked, CHECK_ATTR))
        setattr(func, CHECK_ATTR, tuple(specs))
        return func

    return mark


def fan_out(func: Callable[..., Any], role: str, origin: str) -> Callable[..., Any]:
    """A check function that runs `func` on every target of `origin` (its inputs injected by name)."""
    import inspect

    from .stack.targets import none_found, targets_of
    wanted = list(inspect.signature(func).parameters)[1:]

    def run_on_targets(**inputs: Any) -> list[Result]:
        found = targets_of(inputs["stack"], role, origin)
        if not found:
            return [skipped(none_found(role, origin))]
        out: list[Result] = []
        for target in found:
            value = func(target, **{name: inputs[name] for name in wanted})
            out += [value] if isinstance(value, Result) else list(value or [])
        return out

    params = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in dict.fromkeys(["stack", *wanted])]
    run_on_targets.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    run_on_targets.__doc__ = func.__doc__
    run_on_targets.__name__ = f"{func.__name__}[{origin}]"
    run_on_targets.__wrapped__ = func  # type: ignore[attr-defined]  # the rule itself, for explain and analysis
    setattr(run_on_targets, TARGETS_ATTR, (role, origin))
    return run_on_targets


def _at(at: Location | None) -> Location | None:
    return at


def passed(message: str, *, at: Location | None = None, **data: Any) -> Result:
    """A passing result."""
    return Result(Status.PASS, message, location=_at(at), data=data)


def _fix_id(fix: Fix | str) -> str:
    return fix.id if isinstance(fix, Fix) else fix


def warned(message: str, *, fix: Fix | str, at: Location | None = None,
           params: dict[str, Any] | None = None, **data: Any) -> Result:
    """A warning: worth fixing, does not fail the run unless --strict."""
    return Result(Status.WARN, message, fix_id=_fix_id(fix), fix_params=params or {}, location=_at(at), data=data)


def failed(message: str, *, fix: Fix | str, at: Location | None = None,
           params: dict[str, Any] | None = None, **data: Any) -> Result:
    """A failure mapped to a fix id of the catalog."""
    return Result(Status.FAIL, message, fix_id=_fix_id(fix), fix_params=params or {}, location=_at(at), data=data)


def skipped(message: str, **data: Any) -> Result:
    """Not applicable here; the message says why."""
    return Result(Status.SKIP, message, data=data)
