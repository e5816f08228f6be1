import dagster as dg

# One partition per imported file; the key is a prefix of the file's sha256 (gtm.intake.apply).
import_batch_partitions = dg.DynamicPartitionsDefinition(name="import_batch")
