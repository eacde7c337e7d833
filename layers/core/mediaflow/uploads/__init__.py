"""Upload credentials and upload events (VOD family: CreateUploadVideo, RefreshUploadVideo, GetVideoInfo)."""
