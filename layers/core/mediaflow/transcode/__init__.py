"""Transcoding (MPC family): templates, template groups, tasks, the worker and the encoding engine."""
