"""Segments: a JSON filter language over companies, employees and ICP scores, compiled to
parameterised SQL against a whitelist; saved with immutable versions; previewed with counts and
keyset pages. The language is documented in docs/segments.md."""

from gtm.segments.compile import CompiledFilter, audience_query, compile_filter
from gtm.segments.errors import (
    FilterError,
    FilterValueError,
    SegmentError,
    SegmentNotFound,
    UnknownFieldError,
    UnknownOperatorError,
)
from gtm.segments.fields import FIELDS
from gtm.segments.filters import parse_filter, to_json
from gtm.segments.preview import Preview, active_icp_version, preview_segment
from gtm.segments.store import (
    SegmentVersion,
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    list_versions,
)

__all__ = [
    "FIELDS", "CompiledFilter", "FilterError", "FilterValueError", "Preview", "SegmentError",
    "SegmentNotFound", "SegmentVersion", "UnknownFieldError", "UnknownOperatorError",
    "active_icp_version", "audience_query", "compile_filter", "create_segment", "delete_segment",
    "get_segment", "list_segments", "list_versions", "parse_filter", "preview_segment", "to_json",
]
