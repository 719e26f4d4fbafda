"""How a registry file's problems are reported: each with where it is and what is wrong."""

from pydantic import ValidationError


class RegistryFileError(ValueError):
    """The file cannot be imported; `problems` lists each as 'line N: reason' or 'path: reason'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:20]) + (" ..." if len(problems) > 20 else ""))
        self.problems = problems


def describe(error: ValidationError) -> str:
    """A validation error in one line a person can act on (no pydantic jargon)."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "enum":
            # A sensor is one value of the `sensors` set: name it as the file's column does.
            field = "sensor" if item["loc"][0] == "sensors" else str(item["loc"][0])
            message = f"unknown {field} {item['input']!r} (one of: {item['ctx']['expected']})"
            where = ""
        elif item["type"] == "value_error" and len(item["loc"]) <= 1:
            where = ""  # our own messages name the field already
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
