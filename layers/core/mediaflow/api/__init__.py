"""HTTP glue shared by every API function: resolver factory, family error shapes, project guard."""
