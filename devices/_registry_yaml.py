"""The registry as YAML: households with their consent, contacts and devices nested, the form
a council keeps and edits. Validated whole, so nothing is half-imported."""

from typing import Any

import yaml
from pydantic import ValidationError

from devices._entries import DeviceEntry, HouseholdEntry, RegistryFile
from devices._errors import RegistryFileError, describe


def parse_registry_yaml(text: str) -> RegistryFile:
    """Validate the whole document; return it, or raise RegistryFileError naming each problem."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryFileError([f"not valid YAML: {exc}"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("households"), list):
        raise RegistryFileError(["the file must have a top-level 'households:' list"])
    problems: list[str] = []
    households: list[HouseholdEntry] = []
    devices: list[DeviceEntry] = []
    for index, item in enumerate(document["households"]):
        where = f"households[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a mapping with id, timezone, ...")
            continue
        item = dict(item)
        device_items = item.pop("devices", None) or []
        try:
            household = HouseholdEntry.model_validate(item)
        except ValidationError as exc:
            problems.append(f"{where} ({item.get('id', '?')}): {describe(exc)}")
            continue
        households.append(household)
        for device_index, device_item in enumerate(device_items):
            try:
                devices.append(DeviceEntry.model_validate({**device_item, "household": household.id}))
            except (ValidationError, TypeError) as exc:
                reason = describe(exc) if isinstance(exc, ValidationError) else "must be a mapping"
                problems.append(f"{where}.devices[{device_index}] ({household.id}): {reason}")
    if problems:
        raise RegistryFileError(problems)
    try:
        return RegistryFile(households=tuple(households), devices=tuple(devices))
    except ValidationError as exc:
        raise RegistryFileError([describe(exc)]) from None


def format_registry_yaml(registry: RegistryFile) -> str:
    """The registry as a YAML document that `parse_registry_yaml` reads back unchanged."""
    by_household: dict[str, list[dict[str, Any]]] = {h.id: [] for h in registry.households}
    for device in registry.devices:
        fields = device.model_dump(mode="json", exclude={"household"}, exclude_none=True)
        fields["sensors"] = sorted(fields["sensors"])
        by_household[device.household].append(fields)
    households = [
        {**h.model_dump(mode="json", exclude_defaults=True), "devices": by_household[h.id]}
        for h in registry.households
    ]
    return yaml.safe_dump({"households": households}, sort_keys=False, allow_unicode=True)
