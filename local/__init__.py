"""Docker-free local stack for Mediaflow, derived entirely from template.yaml.

moto plays AWS, each Lambda function runs in its own warm worker process, a small HTTP server
plays API Gateway (REST, Lambda proxy, REQUEST authorizer, usage-plan throttling) and poller
threads play the event source mappings.  Run it with ``python -m local``; tests use
``local.stack.LocalStack``.
"""
