"""The ICP as control plane: an ICP edit or a new import re-scores every contact by itself.

Drives the real assets and sensors against the session database, with an ephemeral Dagster
instance standing in for the daemon: sensor ticks are reported as the daemon would, and the
automation conditions are evaluated tick by tick with `dg.evaluate_automation_conditions`.
"""

from pathlib import Path

import dagster as dg
import pytest

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.icp import parse_icp, set_icp
from gtm.intake.batches import batch_key, file_sha256
from gtm_assets.intake.definitions import defs as intake_defs
from gtm_assets.scoring.definitions import defs as scoring_defs
from gtm_assets.scoring.sensors import icp_change_sensor
from gtm_resources import SupabaseResource
from gtm_resources.llm import LLMResource

SAMPLE = Path(__file__).resolve().parents[2] / "gtm" / "intake" / "samples" / "apollo_export.csv"
CONTACT_SCORES = dg.AssetKey("contact_scores")
SOFTWARE_ICP = {"name": "software", "company": {"industries": ["software", "saas"]},
                "person": {"seniority": ["c_suite"]}}
MEDIA_ICP = {"name": "media", "company": {"industries": ["media", "manufacturing"]},
             "person": {"seniority": ["c_suite"]}}


class Daemon:
    """Just enough of the Dagster daemon: sensor ticks and automation ticks, with cursors."""

    def __init__(self, settings, slug: str):
        self.settings, self.slug = settings, slug
        self.instance = dg.DagsterInstance.ephemeral()
        self.resources = {"supabase": SupabaseResource(workspace=slug), "llm": LLMResource()}
        self.defs = dg.Definitions.merge(intake_defs, scoring_defs,
                                         dg.Definitions(resources=self.resources))
        self.assets = [*intake_defs.assets, *scoring_defs.assets]
        self.cursor = None

    def set_icp(self, definition: dict) -> None:
        with connect(self.settings) as conn:
            set_icp(conn, ensure_workspace(conn, self.slug), parse_icp(definition))

    def sensor_tick(self):
        # The sensor needs only the database (the LLM resource needs a context manager scope).
        result = icp_change_sensor(dg.build_sensor_context(
            instance=self.instance, resources={"supabase": self.resources["supabase"]}))
        for event in getattr(result, "asset_events", []):
            self.instance.report_runless_asset_event(event)
        return result

    def automation_tick(self) -> int:
        result = dg.evaluate_automation_conditions(defs=self.defs, instance=self.instance,
                                                   cursor=self.cursor)
        self.cursor = result.cursor
        return result.get_num_requested(CONTACT_SCORES)

    def run(self, *selection: str, **kwargs) -> None:
        result = dg.materialize(self.assets, selection=list(selection), instance=self.instance,
                                resources=self.resources, **kwargs)
        assert result.success

    def import_csv(self, path: Path) -> None:
        key = batch_key(file_sha256(path))
        self.instance.add_dynamic_partitions("import_batch", [key])
        config = {"path": str(path), "kind": "contacts"}
        self.run("staged_contacts", "companies", "employees", "import_report", partition_key=key,
                 run_config={"ops": {"staged_contacts": {"config": config}}})

    def scores(self, version: int) -> dict[str, float]:
        with connect(self.settings) as conn:
            rows = conn.execute(
                "select e.email, s.score::float8 as score from contact_scores s"
                " join employees e on e.id = s.employee_id join workspaces w"
                " on w.id = s.workspace_id where w.slug = %s and s.icp_version = %s",
                (self.slug, version)).fetchall()
        return {r["email"]: r["score"] for r in rows}


@pytest.fixture
def daemon(migrated, request) -> Daemon:
    return Daemon(migrated, f"t-{request.node.name[:40].lower().replace('_', '-')}")


def test_an_icp_edit_rescores_everything_without_anyone_asking(daemon: Daemon, tmp_path) -> None:
    daemon.set_icp(SOFTWARE_ICP)
    daemon.import_csv(SAMPLE)
    assert daemon.automation_tick() == 0  # the ICP has never been observed: nothing to score by

    assert isinstance(daemon.sensor_tick(), dg.SensorResult)  # first sight of the ICP
    assert daemon.automation_tick() == 1
    daemon.run("contact_scores")
    before = daemon.scores(1)
    assert len(before) == 13 and before["john.smith@acme.com"] > 0.5
    assert daemon.automation_tick() == 0
    assert isinstance(daemon.sensor_tick(), dg.SkipReason)  # unchanged ICP: no observation
    assert daemon.automation_tick() == 0

    # An import whose run never landed keeps a missing partition; it must not block re-scoring.
    daemon.instance.add_dynamic_partitions("import_batch", ["never-landed"])
    daemon.set_icp(MEDIA_ICP)
    assert isinstance(daemon.sensor_tick(), dg.SensorResult)
    assert daemon.automation_tick() == 1
    daemon.run("contact_scores")
    after = daemon.scores(2)
    assert after.keys() == before.keys()
    assert after["john.smith@acme.com"] < before["john.smith@acme.com"]
    assert after["h.mueller@bergmann.de"] > before["h.mueller@bergmann.de"]
    assert daemon.automation_tick() == 0

    # A new import re-scores too, so new contacts get their score under the active ICP.
    extra = tmp_path / "extra.csv"
    extra.write_text("Email,Company,Title,Industry\nnew@press.io,Press,CEO,Media\n",
                     encoding="utf-8")
    daemon.import_csv(extra)
    assert daemon.automation_tick() == 1
    daemon.run("contact_scores")
    assert daemon.scores(2)["new@press.io"] == 1.0


def test_observing_and_scoring_in_one_run_is_not_scored_again(daemon: Daemon) -> None:
    """What `gtm icp:set` does: the run already re-scored, the daemon must not repeat it."""
    daemon.set_icp(SOFTWARE_ICP)
    daemon.import_csv(SAMPLE)
    daemon.run("icp_profile", "contact_scores")
    assert daemon.automation_tick() == 0
    daemon.set_icp(MEDIA_ICP)
    daemon.run("icp_profile", "contact_scores")
    assert isinstance(daemon.sensor_tick(), dg.SkipReason)  # the run observed the new hash
    assert daemon.automation_tick() == 0
    assert daemon.scores(2)["h.mueller@bergmann.de"] == 1.0


def test_the_scoring_sensors_run_by_default() -> None:
    from gtm_assets.definitions import defs

    sensors = {s.name: s for s in defs.get_repository_def().sensor_defs}
    for name in ("icp_change_sensor", "scoring_automation"):
        assert sensors[name].default_status == dg.DefaultSensorStatus.RUNNING
    condition = defs.get_assets_def("contact_scores").automation_conditions_by_key[CONTACT_SCORES]
    assert condition.get_label() == "eager"
