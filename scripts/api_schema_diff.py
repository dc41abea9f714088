"""What in a new OpenAPI schema breaks clients of an old one.

Breaking: an operation removed; a query or path parameter removed, or made required; a component removed;
a field removed from a component; a field of a request body made required; an enum value removed. Anything
added is not breaking. A breaking change needs a new major `info.version`.

    python -m scripts.api_schema_diff OLD.yaml NEW.yaml    # prints the breaking changes; exit 1 if any
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _operations(schema: dict) -> dict[tuple[str, str], dict]:
    return {
        (method.upper(), path): operation
        for path, item in schema.get("paths", {}).items()
        for method, operation in item.items()
        if method in METHODS
    }


def _parameters(operation: dict) -> dict[tuple[str, str], dict]:
    return {(parameter["in"], parameter["name"]): parameter for parameter in operation.get("parameters", [])}


def _enums(schema, where: str):
    """(place, values) of every enum in `schema`, its place named by the properties leading to it."""
    if isinstance(schema, dict):
        if "enum" in schema:
            yield where, [value for value in schema["enum"] if value is not None]
        for key, value in schema.items():
            if key != "enum":
                yield from _enums(value, f"{where}.{key}" if key not in ("properties", "items") else where)
    elif isinstance(schema, list):
        for value in schema:
            yield from _enums(value, where)


def breaking_changes(old: dict, new: dict) -> list[str]:
    found: list[str] = []
    new_operations = _operations(new)
    for key, operation in _operations(old).items():
        if key not in new_operations:
            found.append(f"operation removed: {key[0]} {key[1]}")
            continue
        new_parameters = _parameters(new_operations[key])
        for (place, name), parameter in _parameters(operation).items():
            if (place, name) not in new_parameters:
                found.append(f"parameter removed: {key[0]} {key[1]} {place} {name}")
            elif new_parameters[(place, name)].get("required") and not parameter.get("required"):
                found.append(f"parameter made required: {key[0]} {key[1]} {place} {name}")
    old_components = old.get("components", {}).get("schemas", {})
    new_components = new.get("components", {}).get("schemas", {})
    for name, component in old_components.items():
        if name not in new_components:
            found.append(f"component removed: {name}")
            continue
        fresh = new_components[name]
        for field in component.get("properties", {}):
            if field not in fresh.get("properties", {}):
                found.append(f"field removed: {name}.{field}")
        if name.endswith("Request"):
            for field in sorted(set(fresh.get("required", [])) - set(component.get("required", []))):
                found.append(f"field made required: {name}.{field}")
        new_enums = dict(_enums(fresh, name))
        for place, values in _enums(component, name):
            missing = [value for value in values if value not in new_enums.get(place, [])]
            if place in new_enums and missing:
                found.append(f"enum value removed: {place} {missing}")
    return found


def major(schema: dict) -> int:
    return int(str(schema.get("info", {}).get("version", "0")).split(".")[0])


def main(argv: list[str]) -> int:
    old, new = (yaml.safe_load(Path(name).read_text()) for name in argv[:2])
    changes = breaking_changes(old, new)
    for change in changes:
        print(change)
    return 1 if changes and major(new) <= major(old) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
