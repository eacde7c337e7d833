"""Job records of every kind: their state machines and their one data-access module."""
