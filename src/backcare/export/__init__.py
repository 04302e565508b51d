"""Adapters from domain values to files: JSON, CSV, FHIR R4 (R4B models), the pain chart and the PDF report."""
