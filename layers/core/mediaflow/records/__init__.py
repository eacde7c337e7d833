"""Records of every kind (videos, tasks, jobs, templates, deliveries...): their typed bodies, their
state machines, and the one module that reads and writes them (``store``)."""
