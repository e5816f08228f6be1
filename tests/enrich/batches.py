"""An `import_batches` row for enrichment tests: the stages select companies by their batch."""

import hashlib


def add_batch(conn, workspace_id: str, batch: str, status: str = "pending") -> None:
    conn.execute("insert into import_batches (workspace_id, batch_id, sha256, status)"
                 " values (%s, %s, %s, %s)",
                 (workspace_id, batch, hashlib.sha256(batch.encode()).hexdigest(), status))
