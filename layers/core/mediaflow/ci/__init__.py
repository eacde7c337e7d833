"""Tencent CI family: SmartCover jobs, SmartCover templates and the project's media queue.

Requests are CI's XML ``<Request>`` documents or the same structure in JSON (``wire``); answers
come back in the caller's format (``mediaflow.api.families.negotiate``). Modules:

- ``models``    the request documents and every validation rule (InvalidArgument on failure)
- ``wire``      bodies in and out: defusedxml/JSON parsing, ``<Response>`` / ``{"Response": ...}``
- ``views``     JobsDetail, Template and Queue as CI spells them (every scalar a string)
- ``jobs``      submit, describe, cancel; ``listing`` the DescribeMediaJobs query
- ``templates`` CreateMediaTemplate / DescribeMediaTemplates (Tag SmartCover)
- ``queues``    the project's queue (``p...``), NotifyConfig, pause and resume
- ``lines``     where a job waits: the shared priority line (``transcode.waiting``) or the
                project's pause line
- ``callbacks`` who is told when a job ends (TaskFinish), through the one notification path
- ``worker``    claim, probe, pick covers (``mediaflow.covers``), upload, settle; the reaper
"""
