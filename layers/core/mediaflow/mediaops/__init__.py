"""MPC media operations beside transcoding: snapshots (and sprite sheets), animated graphics,
metadata extraction and watermark templates (issue 11)."""
