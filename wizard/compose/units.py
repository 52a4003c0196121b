"""Scalars as Compose reads them: Go durations, memory sizes, and values turned into text.

Compose is written in Go, so its JSON shows durations as Go prints them ("1m30s", "1.5s"), memory
as a count of bytes, and numbers that end up in strings (environment, labels) as Go's `%v` prints
them ("1e+06", not "1000000.0"). Both loaders go through these functions, so they agree.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

_DURATION_PART = re.compile(r"(\d*\.?\d*)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,
    "\u03bcs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_MEMORY = re.compile(r"(\d+(?:\.\d+)?) ?([kmgtp])?i?b?", re.IGNORECASE)
_MEMORY_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
_TRUE = {"1", "t", "T", "true", "TRUE", "True"}
_FALSE = {"0", "f", "F", "false", "FALSE", "False"}


def parse_duration(value: object) -> float:
    """Seconds from a Go duration ("1m30s", "1.5s", "500ms", "0"). ValueError when invalid."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        # Compose only takes strings; a number here comes from our own canonical form (seconds).
        return float(value)
    text = str(value).strip()
    sign = 1.0
    if text[:1] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if text == "0":
        return 0.0
    if not text:
        raise ValueError(f"{value!r} is not a duration")
    total = 0.0
    pos = 0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if match is None or match.group(1) in ("", "."):
            raise ValueError(f"{value!r} is not a duration (expected e.g. 30s, 1m30s, 500ms, 1h)")
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    return sign * total


def parse_memory(value: object) -> int:
    """Bytes from a Compose memory size: 536870912, "512M", "1g", "1.5GiB" (k = 1024)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a memory size")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    match = _MEMORY.fullmatch(str(value).strip())
    if match is None:
        raise ValueError(f"{value!r} is not a memory size (expected e.g. 512M, 1g, 1073741824)")
    unit = (match.group(2) or "").lower()
    return int(float(match.group(1)) * _MEMORY_UNITS[unit])


def go_float_text(value: float) -> str:
    """A float as Go's `%v` prints it: 1.5 -> "1.5", 1000000.0 -> "1e+06", 1e-05 -> "1e-05"."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(str(d) for d in digit_tuple)
    assert isinstance(exponent, int)
    exp10 = len(digits) - 1 + exponent  # the exponent in d.ddd x 10^exp10
    prefix = "-" if sign else ""
    if exp10 < -4 or exp10 >= 6:  # Go's rule for the shortest %g
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if exp10 < 0:
        return f"{prefix}0.{'0' * (-exp10 - 1)}{digits}"
    whole = digits[: exp10 + 1].ljust(exp10 + 1, "0")
    frac = digits[exp10 + 1 :]
    return f"{prefix}{whole}{'.' + frac if frac else ''}"


def scalar_text(value: object) -> str:
    """A YAML scalar as the text Compose makes of it (for environment and label values)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float_text(value)
    return str(value)


def to_int(value: object, what: str) -> int:
    """An integer field (written as a number, or as text after interpolation)."""
    if isinstance(value, bool):
        raise ValueError(f"{what}: expected a number, found {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"{what}: expected a whole number, found {value!r}") from None


def to_bool(value: object, what: str) -> bool:
    """A boolean field (true/false, or text such as "true" after interpolation)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{what}: expected true or false, found {value!r}")


def cpus_text(value: object) -> str:
    """CPUs as canonical decimal text: 2 -> "2", "0.50" -> "0.5"."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number of CPUs")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number of CPUs (expected e.g. 0.5 or 2)") from None
    return go_float_text(number)
