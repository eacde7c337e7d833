"""AES-128-CBC with PKCS#7 padding (HLS ``METHOD=AES-128``, RFC 8216 section 5.2) through the
OpenSSL library the Python runtime itself is linked with (``libcrypto``), via ctypes.

Why not a package: the core layer has little room left (see known-facts.md) and ``cryptography``
adds ~13 MB; the Lambda runtime and every Linux Python already carry libcrypto (the ``ssl`` module
needs it), and its EVP interface runs at AES-NI speed (GB/s), where a pure-Python AES would take
minutes per hour of video. The library is found as ``ssl`` loaded it (``/proc/self/maps``), so
the same libcrypto serves both.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
from functools import cache
from pathlib import Path

KEY_BYTES = 16
BLOCK = 16
CHUNK = 1 << 20


class CipherUnavailable(RuntimeError):
    pass


@cache
def _lib() -> ctypes.CDLL:
    import ssl  # noqa: F401 - loads libcrypto into the process, so we use the very same one

    candidates = re.findall(r"\S*/libcrypto\.so[.\d]*", Path("/proc/self/maps").read_text())
    found = ctypes.util.find_library("crypto")
    for name in [*dict.fromkeys(candidates), *([found] if found else []), "libcrypto.so.3", "libcrypto.so"]:
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.EVP_CIPHER_CTX_new.restype = ctypes.c_void_p
        lib.EVP_CIPHER_CTX_free.argtypes = [ctypes.c_void_p]
        lib.EVP_aes_128_cbc.restype = ctypes.c_void_p
        lib.EVP_CipherInit_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        lib.EVP_CipherInit_ex.argtypes += [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        lib.EVP_CipherUpdate.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
        lib.EVP_CipherUpdate.argtypes += [ctypes.c_char_p, ctypes.c_int]
        lib.EVP_CipherFinal_ex.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
        return lib
    raise CipherUnavailable("libcrypto cannot be loaded")


class _Cipher:
    def __init__(self, key: bytes, iv: bytes, encrypt: bool) -> None:
        if len(key) != KEY_BYTES or len(iv) != BLOCK:
            raise ValueError("AES-128 needs a 16-byte key and a 16-byte IV")
        self.lib = _lib()
        self.ctx = self.lib.EVP_CIPHER_CTX_new()
        ok = self.lib.EVP_CipherInit_ex(self.ctx, self.lib.EVP_aes_128_cbc(), None, key, iv, int(encrypt))
        if ok != 1:
            self.close()
            raise CipherUnavailable("EVP_CipherInit_ex failed")

    def update(self, data: bytes) -> bytes:
        out = ctypes.create_string_buffer(len(data) + BLOCK)
        size = ctypes.c_int(0)
        if self.lib.EVP_CipherUpdate(self.ctx, out, ctypes.byref(size), data, len(data)) != 1:
            raise ValueError("AES update failed")
        return out.raw[: size.value]

    def final(self) -> bytes:
        out = ctypes.create_string_buffer(BLOCK * 2)
        size = ctypes.c_int(0)
        if self.lib.EVP_CipherFinal_ex(self.ctx, out, ctypes.byref(size)) != 1:
            raise ValueError("AES final failed (wrong key or corrupt padding)")
        return out.raw[: size.value]

    def close(self) -> None:
        if self.ctx:
            self.lib.EVP_CIPHER_CTX_free(self.ctx)
            self.ctx = None


def _run(data: bytes, key: bytes, iv: bytes, encrypt: bool) -> bytes:
    cipher = _Cipher(key, iv, encrypt)
    try:
        return cipher.update(data) + cipher.final()
    finally:
        cipher.close()


def encrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    return _run(data, key, iv, True)


def decrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    return _run(data, key, iv, False)


def encrypt_file(path: Path, key: bytes, iv: bytes) -> int:
    """Encrypt a file in place (streamed a MiB at a time); returns its new size."""
    cipher = _Cipher(key, iv, True)
    target = path.with_name(path.name + ".enc")
    try:
        with path.open("rb") as plain, target.open("wb") as sealed:
            while chunk := plain.read(CHUNK):
                sealed.write(cipher.update(chunk))
            sealed.write(cipher.final())
    finally:
        cipher.close()
    target.replace(path)
    return path.stat().st_size
