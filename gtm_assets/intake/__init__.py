"""Intake domain: CSV files become staged rows, then companies and employees, then a report."""
