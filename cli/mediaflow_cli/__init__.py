"""The `mediaflow` command: upload, ingest, transcode, covers, watch, ls, get, play."""
