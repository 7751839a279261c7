"""Quarterly statistics import from Excel: template, reader, row checks, writer, services."""
