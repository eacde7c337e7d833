"""Object storage: key layout and the S3 calls the core makes."""
