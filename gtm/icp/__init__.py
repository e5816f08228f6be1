"""The ideal customer profile: a typed, versioned definition and the contact scores it yields.

Public API (other domains import from here):
    load_icp_file(path) -> IcpDefinition          parse_icp(mapping) -> IcpDefinition
    set_icp(conn, workspace_id, definition) -> (IcpVersion, created)
    active_icp(conn, workspace_id) -> IcpVersion | None
    top_contacts(conn, workspace_id, icp_version, limit=10) -> list[dict]
Scoring (polars) is imported from `gtm.icp.scoring` by what scores, so a command that only
reads the active ICP (the CLI's no-op re-import) does not load it:
    score_contacts(conn, workspace_id) -> ScoringReport
"""

from gtm.icp.profile import IcpDefinition, IcpDefinitionError, load_icp_file, parse_icp
from gtm.icp.store import (
    IcpVersion,
    active_icp,
    batch_matches,
    score_counts,
    set_icp,
    top_contacts,
)

__all__ = [
    "IcpDefinition", "IcpDefinitionError", "IcpVersion", "active_icp", "batch_matches",
    "load_icp_file", "parse_icp", "score_counts", "set_icp", "top_contacts",
]
