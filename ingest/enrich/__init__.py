"""Enrichment of parsed records: datelines → places, agency codes → names, search stems."""
