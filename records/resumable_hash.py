"""A SHA-256 whose state can be saved and continued elsewhere: the running hash of a resumable
upload is kept on its database row, so any web node continues it with the next chunk and the
request that stores the last byte does no more work than the others.

hashlib cannot export its state. OpenSSL's low-level SHA-256 (SHA256_Init/Update/Final, in
libcrypto; deprecated in OpenSSL 3 but exported by it) keeps its whole state in a plain 112-byte
struct (SHA256_CTX: the eight words, the bit count, the partial block), which we hold in a
buffer of our own: saved as bytes, restored on another node of the same architecture. Where
libcrypto or those functions are missing, `available()` is False and uploads fall back to hashing
the finished file from storage once.
"""

import ctypes
import ctypes.util
import functools

STATE_BYTES = 112  # sizeof(SHA256_CTX)
_ARCH_TAG = f"{ctypes.sizeof(ctypes.c_void_p)}{ctypes.sizeof(ctypes.c_uint)}".encode()


@functools.cache
def _libcrypto():
    name = ctypes.util.find_library("crypto")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
        lib.SHA256_Init.argtypes = [ctypes.c_void_p]
        lib.SHA256_Update.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
        lib.SHA256_Final.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    except (OSError, AttributeError):
        return None
    return lib


def available() -> bool:
    return _libcrypto() is not None


class ResumableSha256:
    def __init__(self, state: bytes | None = None):
        self._lib = _libcrypto()
        if self._lib is None:
            raise RuntimeError("libcrypto's SHA-256 is not available")
        if state is None:
            self._ctx = ctypes.create_string_buffer(STATE_BYTES)
            self._lib.SHA256_Init(self._ctx)
        else:
            tag, raw = state[: len(_ARCH_TAG)], state[len(_ARCH_TAG) :]
            if tag != _ARCH_TAG or len(raw) != STATE_BYTES:
                raise ValueError("a hash state saved on another kind of machine")
            self._ctx = ctypes.create_string_buffer(raw, STATE_BYTES)

    def update(self, data: bytes | bytearray | memoryview) -> None:
        """Add bytes; a writable buffer (a piece of a bytearray) is read where it is."""
        if not isinstance(data, bytes) and memoryview(data).readonly:
            data = bytes(data)
        if isinstance(data, bytes):
            self._lib.SHA256_Update(self._ctx, data, len(data))
            return
        view = memoryview(data).cast("B")
        piece = (ctypes.c_char * view.nbytes).from_buffer(view)
        self._lib.SHA256_Update(self._ctx, piece, view.nbytes)

    def state(self) -> bytes:
        return _ARCH_TAG + self._ctx.raw

    def hexdigest(self) -> str:
        copy = ctypes.create_string_buffer(self._ctx.raw, STATE_BYTES)
        out = ctypes.create_string_buffer(32)
        self._lib.SHA256_Final(out, copy)
        return out.raw.hex()


def restore(state: bytes | memoryview | None, *, offset: int) -> "ResumableSha256 | None":
    """The running hash to continue at `offset`: new at 0, else from `state`; None when it
    cannot be continued (no state saved, another machine type, no libcrypto)."""
    if not available():
        return None
    if offset == 0:
        return ResumableSha256()
    if not state:
        return None
    try:
        return ResumableSha256(bytes(state))
    except ValueError:
        return None
