import dagster as dg

# One partition per UTC day; end_offset=1 makes today's partition exist while the day runs,
# since the dispatcher works on the current day, not on finished ones.
daily_partitions = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1)
