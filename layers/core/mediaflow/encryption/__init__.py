"""HLS AES-128 encryption: the key material (kept apart from every task record), the cipher, and
encrypting an HLS rendition's segments with its playlists' ``#EXT-X-KEY``."""
