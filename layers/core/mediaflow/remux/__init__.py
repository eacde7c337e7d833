"""MPC packaging (remux): a source repackaged by stream copy - MP4 to HLS or DASH and back - with
the same task machinery as transcoding (the job runner, the shared waiting line, crash recovery)."""
