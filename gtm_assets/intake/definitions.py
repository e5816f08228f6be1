import dagster as dg

from gtm_assets.intake.assets import companies_and_employees, import_report, staged_contacts
from gtm_assets.intake.sensors import csv_inbox_sensor, intake_job

defs = dg.Definitions(
    assets=[staged_contacts, companies_and_employees, import_report],
    jobs=[intake_job],
    sensors=[csv_inbox_sensor],
)
