"""Per-project access keys (AccessKeyId/AccessKeySecret) for the vendors' SDKs, and the checks that
turn a signed request into a project: the key's record, the secret (KMS-encrypted at rest), the
clock-skew window and the replay store."""
