import dagster as dg

# One partition per day, today included (end_offset=1): replies are collected as they arrive.
daily_partitions = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1)
