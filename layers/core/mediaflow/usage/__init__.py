"""Usage per day (``GET /v1/{project_id}/transcodings/summaries``), from counters written when
transcoding and remux tasks end (``record``), read back per day (``summaries``)."""
