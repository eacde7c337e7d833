"""Users' own buckets: authorizing a bucket for a project (a real access check), revoking it, listing
buckets and objects, and the one check every task kind's location code calls (``access``)."""
