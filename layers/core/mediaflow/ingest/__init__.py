"""URL ingest (Alibaba VOD UploadMediaByURL / GetURLUploadInfos / UploadByURLComplete).

``service`` answers the two API operations, ``worker`` runs one job per SQS message (claim, then
``fetcher`` streams the source into the video's upload key), the normal upload path probes the
landed object, and ``completion`` (called from ``uploads.upload_events``) settles the job and
publishes UploadByURLComplete. ``jobs`` holds every write of a job record; ``codes`` the ErrorCodes.
"""
