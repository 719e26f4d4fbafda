"""Liveness, readiness and metrics endpoints for the process supervisor and Prometheus."""

from typing import Literal

import psycopg
import psycopg_pool
from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

import store
from web._runtime import RuntimeDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok", "ready", "unavailable"]
    reason: str | None = None


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up and answering (says nothing about the database)."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Health}},
)
def readyz(rt: RuntimeDep) -> Response:
    """Ready to serve: the database answers and every migration this version ships is applied."""
    assert rt.pool is not None
    try:
        with rt.pool.connection(timeout=2) as conn:
            missing = store.missing_migrations(conn)
    except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
        return _unavailable(f"database unreachable ({type(exc).__name__})")
    if missing:
        return _unavailable(f"migrations not applied: {', '.join(map(str, missing))}")
    return JSONResponse(Health(status="ready").model_dump())


@router.get("/metrics", include_in_schema=False)
def metrics(rt: RuntimeDep) -> Response:
    """Prometheus text format. Aggregates only (no household, no person), so no sign-in."""
    return Response(generate_latest(rt.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _unavailable(reason: str) -> Response:
    return JSONResponse(
        Health(status="unavailable", reason=reason).model_dump(),
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
    )
