"""Errors of the segment engine: each names what was wrong and what is allowed instead."""

from __future__ import annotations

from collections.abc import Iterable

from gtm.errors import TerminalError


class SegmentError(TerminalError):
    """A segment request that will fail the same way if retried."""


class FilterError(SegmentError):
    """A filter definition that is not valid; `path` says where in the JSON (e.g. `and[1].not`)."""

    def __init__(self, message: str, *, path: str = "filter"):
        super().__init__(f"{path}: {message}")
        self.path = path


class UnknownFieldError(FilterError):
    def __init__(self, field: object, allowed: Iterable[str], *, path: str = "filter"):
        self.field = field
        self.allowed = sorted(allowed)
        super().__init__(f"unknown field {field!r}; allowed fields: {', '.join(self.allowed)}",
                         path=path)


class UnknownOperatorError(FilterError):
    def __init__(self, op: object, field: str, allowed: Iterable[str], *, path: str = "filter"):
        self.op = op
        self.field = field
        self.allowed = list(allowed)
        super().__init__(f"unknown operator {op!r} for field {field!r}; allowed operators: "
                         f"{', '.join(self.allowed)}", path=path)


class FilterValueError(FilterError):
    def __init__(self, field: str, op: str, expected: str, *, path: str = "filter"):
        self.field = field
        self.op = op
        super().__init__(f"field {field!r} with operator {op!r} takes {expected}", path=path)


class SegmentNotFound(SegmentError):
    """No segment (or no such version of one) by that name in the workspace."""
