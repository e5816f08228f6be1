"""`csv_inbox_sensor`: one run per new file content, keyed by sha256, with its partition."""

import dagster as dg

from gtm.intake.batches import batch_key, file_sha256
from gtm_assets.intake.sensors import csv_inbox_sensor


def test_sensor_requests_each_new_file_once(settings, tmp_path) -> None:
    inbox = settings.inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    first = inbox / "apollo.csv"
    first.write_text("Email,Company\na@acme.com,Acme\n")
    (inbox / "notes.md").write_text("not a csv")

    with dg.instance_for_test() as instance:
        result = csv_inbox_sensor(dg.build_sensor_context(instance=instance))
        assert [r.run_key for r in result.run_requests] == [file_sha256(first)]
        request = result.run_requests[0]
        assert request.partition_key == batch_key(file_sha256(first))
        assert request.run_config["ops"]["staged_contacts"]["config"]["path"] == str(first)
        assert result.dynamic_partitions_requests[0].partition_keys == [request.partition_key]

        # Same cursor, nothing new: no request. A second file (even a copy) is seen once.
        again = csv_inbox_sensor(dg.build_sensor_context(instance=instance, cursor=result.cursor))
        assert again.run_requests == []
        copy = inbox / "copy-of-apollo.csv"
        copy.write_bytes(first.read_bytes())
        third = csv_inbox_sensor(dg.build_sensor_context(instance=instance, cursor=result.cursor))
        # The copy has the same content: the same run key, which Dagster runs only once.
        assert [r.run_key for r in third.run_requests] == [file_sha256(first)]
    first.unlink()
    copy.unlink()
