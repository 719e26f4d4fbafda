"""Administration: households (details, monitoring, consent, contacts, devices, routing, hub),
registry import, and people (users and teams). One router gathering the pages of each."""

from fastapi import APIRouter

from web import _admin_households, _admin_import, _admin_people

router = APIRouter()
for pages in (_admin_households, _admin_import, _admin_people):
    router.include_router(pages.router)
