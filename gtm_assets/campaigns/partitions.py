import dagster as dg

# One partition per campaign; the key is the campaign's id (names may repeat across workspaces).
campaign_partitions = dg.DynamicPartitionsDefinition(name="campaign")
