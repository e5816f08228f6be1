"""The ideal customer profile: a typed, versioned definition and the contact scores it yields.

Public API (other domains import from here):
    load_icp_file(path) -> IcpDefinition          parse_icp(mapping) -> IcpDefinition
    set_icp(conn, workspace_id, definition) -> (IcpVersion, created)
    active_icp(conn, workspace_id) -> IcpVersion | None
    score_contacts(conn, workspace_id) -> ScoringReport
    top_contacts(conn, workspace_id, icp_version, limit=10) -> list[dict]
"""

from gtm.icp.profile import IcpDefinition, IcpDefinitionError, load_icp_file, parse_icp
from gtm.icp.scoring import ScoringReport, score_contacts
from gtm.icp.store import (
    IcpVersion,
    active_icp,
    batch_matches,
    score_counts,
    set_icp,
    top_contacts,
)

__all__ = [
    "IcpDefinition", "IcpDefinitionError", "IcpVersion", "ScoringReport", "active_icp",
    "batch_matches",
    "load_icp_file", "parse_icp", "score_contacts", "score_counts", "set_icp", "top_contacts",
]
