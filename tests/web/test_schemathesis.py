"""Schemathesis against the OpenAPI document, in process (ASGI), as a signed-in prosecutor
with a case that holds records: no server error, every response, status code and content
type as the schema documents them. Bounded and deterministic: a fixed number of examples
per operation and mode, derandomised."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from palermo.security.permissions import Actor
from palermo.services import users
from palermo.services.context import Context
from palermo.web.app import create_app

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _runner(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    case_ref: str,
    found: dict[str, str],
) -> Callable[[], None]:
    """One Hypothesis test over ``operation``; failures go to ``found`` (first per check)."""
    strategy = operation.as_strategy(generation_mode=mode, headers=headers)
    real_ref = "reference" in {p.name for p in operation.path_parameters}
    label = f"{operation.label} [{mode.value}]"

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, use_case=st.booleans())
    def run(case: Any, use_case: bool) -> None:
        # Half the valid requests name the real case, so routes get past the 404.
        if real_ref and use_case and mode is GenerationMode.POSITIVE:
            case.path_parameters = {**(case.path_parameters or {}), "reference": case_ref}
        try:
            response = case.call()
        except Exception as exc:  # the app raised: a 500 for a real client
            found.setdefault(f"{label} server error", f"{type(exc).__name__}: {exc}"[:400])
            return
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:
            for failure in getattr(exc, "exceptions", [exc]):
                title = getattr(failure, "title", type(failure).__name__)
                detail = getattr(failure, "message", str(failure))
                found.setdefault(f"{label} {title}", f"{response.status_code} {detail}"[:400])

    return run


def _failures(ctx: Context, prosecutor: Actor, case_ref: str, seeding: Any) -> list[str]:
    seeding.add_calls(ctx, case_ref, 30)
    seeding.add_payments(ctx, case_ref, ["100.00", "-5.50"])
    seeding.add_failed_file(ctx, case_ref)
    token = users.create_api_token(ctx, prosecutor, "schemathesis")
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app(ctx))
    headers = {"Authorization": f"Bearer {token}"}
    found: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _runner(operation, mode, headers, case_ref, found)()
            except Unsatisfiable:  # nothing to make invalid (an operation without inputs)
                assert mode is GenerationMode.NEGATIVE, operation.label
    return [f"{k}: {v}" for k, v in sorted(found.items())]


def test_the_api_conforms_to_its_openapi_document(
    ctx: Context, prosecutor: Actor, case_ref: str, seeding: Any
) -> None:
    failures = _failures(ctx, prosecutor, case_ref, seeding)
    assert failures == [], f"{len(failures)} failures:\n" + "\n\n".join(failures)
