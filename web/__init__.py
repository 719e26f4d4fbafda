"""The HTTP API and the pages: responder console, carer view, administration."""

from web._access import CONSOLE_ROLES, HouseholdScope, Viewer, household_scope
from web._accounts import AccountError, Role, User
from web._app import create_app, web_config
from web._server import listen, serve

__all__ = [
    "CONSOLE_ROLES",
    "AccountError",
    "HouseholdScope",
    "Role",
    "User",
    "Viewer",
    "create_app",
    "household_scope",
    "listen",
    "serve",
    "web_config",
]
