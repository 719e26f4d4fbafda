"""Importing a registry file from administration: the CSV or YAML that `telecare households
import` reads, parsed by the same functions, all of it or nothing, each problem named with its
line as the command names it."""

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile, status
from starlette.responses import Response

from devices import RegistryFile, RegistryFileError, parse_registry_csv, parse_registry_yaml
from web._access import AdminPageViewer, Viewer
from web._accounts import Role
from web._admin_records import AdminError, import_registry_file
from web._auth import CsrfChecked
from web._runtime import ConnDep, RuntimeDep
from web._templates import render

router = APIRouter(prefix="/admin", include_in_schema=False)
# A council's whole registry as YAML is a few MB; anything larger is not a registry file.
MAX_FILE_BYTES = 10 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")


@router.get("/import")
def import_page(request: Request, viewer: AdminPageViewer) -> Response:
    return _page(request, viewer)


@router.post("/import", dependencies=[CsrfChecked])
def import_file(
    request: Request,
    viewer: AdminPageViewer,
    conn: ConnDep,
    rt: RuntimeDep,
    file: Annotated[UploadFile, File(description="A registry file, .csv or .yaml")],
) -> Response:
    name = file.filename or "upload"
    try:
        registry = _parse(name, file.file.read(MAX_FILE_BYTES + 1))
        file_format = "yaml" if name.lower().endswith(YAML_SUFFIXES) else "csv"
        import_registry_file(conn, registry, file_format=file_format, by=viewer.actor, now=rt.clock())
    except RegistryFileError as exc:
        return _page(request, viewer, name=name, problems=exc.problems)
    except AdminError as exc:
        return _page(request, viewer, name=name, problems=[str(exc)])
    return _page(
        request,
        viewer,
        name=name,
        imported=f"imported {len(registry.households)} households, {len(registry.devices)} devices",
    )


def _parse(name: str, content: bytes) -> RegistryFile:
    if len(content) > MAX_FILE_BYTES:
        raise AdminError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; nothing imported")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AdminError(f"the file is not UTF-8 text (byte {exc.start}); nothing imported") from exc
    parse = parse_registry_yaml if name.lower().endswith(YAML_SUFFIXES) else parse_registry_csv
    return parse(text)


def _page(
    request: Request,
    viewer: Viewer,
    *,
    name: str | None = None,
    problems: list[str] | None = None,
    imported: str | None = None,
) -> Response:
    return render(
        request,
        "admin_import.html",
        {
            "viewer": viewer,
            "user": viewer.user,
            "csrf_token": viewer.csrf_token,
            "can_edit": viewer.user.role is Role.ADMIN,
            "name": name,
            "problems": problems or [],
            "imported": imported,
            "error": None,
        },
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if problems else status.HTTP_200_OK,
    )
