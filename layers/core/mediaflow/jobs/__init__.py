"""Machinery every kind of queued work shares: the waiting line, the runner (claim, heartbeat,
progress, cancel, finish, crash recovery) and the reaper. A task kind plugs in with a ``JobKind``."""
