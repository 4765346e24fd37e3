"""Plain data on the wire: the only form in which values cross between grader and student code.

A message is a JSON header plus raw array buffers. Encoding turns arrays, numbers, strings,
tuples, lists and dicts with string keys into that form and refuses anything else; decoding
rebuilds only those types, checking every declared size before it allocates. Nothing a child sends is
unpickled, and no method of a student's object is ever called on the trusted side: what arrives
is bytes. (The grader's own messages to a child may be pickles: see ``encode_trusted``.)
"""
from __future__ import annotations

import json
import math
import pickle
import socket
import struct

import numpy as np

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 32
MAX_ITEMS = 100_000
# a header's JSON: refused unread past this size or this many commas (a value takes a few), so
# a crafted header of millions of tiny items costs a length check, not gigabytes of parsing
MAX_HEADER_BYTES = 4 * 1024 * 1024
MAX_HEADER_COMMAS = 8 * MAX_ITEMS
# changes whenever call keys, the framing or the child protocol change: replay tables, cached
# cases and bundles made before differ
WIRE_FORMAT = 3

_PREFIX = struct.Struct("!QI")  # total length of header + buffers, header length
_DTYPE_KINDS = "biufc"  # bool, int, uint, float, complex


class CodecError(ValueError):
    """A value that cannot travel as plain data, or a message that is not well formed."""


class TooLarge(CodecError):
    """A message longer than the reader takes, refused before it is read."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"message of {size} bytes is over the limit of {limit}")
        self.size, self.limit = size, limit


class Unsupported:
    """Stands for a value of a type that is not plain data (decoded as itself, never as the object)."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __eq__(self, other):
        return isinstance(other, Unsupported) and other.type_name == self.type_name

    def __repr__(self):
        return f"<{self.type_name} object>"


def encode(value) -> bytes:
    """One framed message holding ``value`` as plain data."""
    buffers: list[bytes] = []
    counter = [0]
    header = json.dumps(_to_plain(value, buffers, 0, counter), allow_nan=True).encode()
    body = b"".join(buffers)
    return _PREFIX.pack(len(header) + len(body), len(header)) + header + body


def _within_limits(depth: int, counter: list[int]) -> None:
    """One more value, ``depth`` levels down: within MAX_ITEMS and MAX_DEPTH, or CodecError."""
    counter[0] += 1
    if counter[0] > MAX_ITEMS:
        raise CodecError(f"more than {MAX_ITEMS} values")
    if depth > MAX_DEPTH:
        raise CodecError(f"nested more than {MAX_DEPTH} levels deep")


def _to_plain(value, buffers, depth, counter):
    _within_limits(depth, counter)
    # exact type checks: a subclass of int or str may carry a lying __eq__ or __str__
    kind = type(value)
    if kind is np.ndarray or isinstance(value, np.ndarray):  # nearly every value: first
        array = np.ndarray.view(value, np.ndarray) if kind is not np.ndarray else value
        if array.dtype.kind not in _DTYPE_KINDS:
            return {"__unsupported__": f"numpy array of dtype {array.dtype}"}
        return _array_to_plain(array, buffers)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        if abs(value) < 2**63:
            return value
        return {"__big_int__": str(value)}
    if kind is float:
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if kind is complex:
        return {"__complex__": [value.real, value.imag]}
    if kind is bytes:
        if len(value) > MAX_MESSAGE_BYTES:
            raise CodecError(f"{len(value)} bytes is too large")
        buffers.append(value)
        return {"__bytes__": len(buffers) - 1, "length": len(value)}
    if isinstance(value, np.generic) and value.dtype.kind in _DTYPE_KINDS:
        return _array_to_plain(np.asarray(value), buffers, scalar=True)
    if kind is tuple or kind is list:
        tag = "__tuple__" if kind is tuple else "__list__"
        return {tag: [_to_plain(item, buffers, depth + 1, counter) for item in value]}
    if kind is dict:
        items = []
        for key, item in value.items():
            if type(key) is not str:
                return {"__unsupported__": "dict with keys that are not strings"}
            items.append([key, _to_plain(item, buffers, depth + 1, counter)])
        return {"__dict__": items}
    return {"__unsupported__": _type_name(value)}


def _array_to_plain(array, buffers, scalar=False):
    if array.nbytes > MAX_MESSAGE_BYTES:
        raise CodecError(f"an array of {array.nbytes} bytes is too large")
    data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False)
    buffers.append(data.tobytes())
    return {"__array__": len(buffers) - 1, "dtype": data.dtype.str, "shape": list(array.shape),
            "scalar": scalar}


def _type_name(value) -> str:
    kind = type(value)
    module = getattr(kind, "__module__", "") or ""
    name = getattr(kind, "__name__", "object")
    if not isinstance(module, str) or not isinstance(name, str):
        return "object"
    return name if module in ("builtins", "__main__", "") else f"{module}.{name}"


def decode(message: bytes):
    """The value a framed message holds (the frame's length prefix included)."""
    if len(message) < _PREFIX.size:
        raise CodecError("message too short")
    total, header_length = _PREFIX.unpack_from(message)
    if total != len(message) - _PREFIX.size or header_length > total:
        raise CodecError("message length does not match its prefix")
    start = _PREFIX.size
    header = _header(message[start:start + header_length])
    body = memoryview(message)[start + header_length:]
    offsets = _Buffers(body)
    return _from_plain(header, offsets, 0, [0])


def _header(header_bytes: bytes):
    if len(header_bytes) > MAX_HEADER_BYTES:
        raise CodecError(f"a header of {len(header_bytes)} bytes is over the limit of {MAX_HEADER_BYTES}")
    if header_bytes.count(b",") > MAX_HEADER_COMMAS:
        raise CodecError(f"more than {MAX_ITEMS} values")
    try:
        return json.loads(header_bytes)
    except (ValueError, RecursionError) as error:
        raise CodecError(f"unreadable header: {type(error).__name__}") from None


_CALL_START = b'{"__dict__": [["call", "'


def call_name(message: bytes) -> str | None:
    """The graded function a framed ``{"call": name, ...}`` message (a stand-in's, as ``encode``
    writes it) asks for, read from its header alone; None for any other message."""
    start = _PREFIX.size
    if len(message) < start + len(_CALL_START) or message[start:start + len(_CALL_START)] != _CALL_START:
        return None
    total, header_length = _PREFIX.unpack_from(message)
    if total != len(message) - start or header_length > total:
        return None
    try:
        header = _header(message[start:start + header_length])
        (tag, name), *_ = header["__dict__"]
    except (CodecError, KeyError, TypeError, ValueError):
        return None
    return name if tag == "call" and isinstance(name, str) else None


class _Buffers:
    def __init__(self, body):
        self.body = body
        self.position = 0
        self.next_index = 0

    def take(self, index, nbytes):
        if index != self.next_index:
            raise CodecError("array buffers out of order")
        if self.position + nbytes > len(self.body):
            raise CodecError("array larger than the message")
        chunk = self.body[self.position:self.position + nbytes]
        self.position += nbytes
        self.next_index += 1
        return chunk


def _from_plain(node, buffers, depth, counter):
    _within_limits(max(depth - 1, 0), counter)
    kind = type(node)  # what json.loads makes: dict, list, str, int, float, bool or None
    if kind is not dict:
        if kind is list:
            raise CodecError("bare list in message")
        if node is None or kind in _JSON_SCALARS:
            return node
        raise CodecError("malformed value")
    if len(node) == 0:
        raise CodecError("malformed value")
    if "__array__" in node:
        return _array_from_plain(node, buffers)
    if "__bytes__" in node:
        try:
            index, length = int(node["__bytes__"]), int(node["length"])
        except (KeyError, TypeError, ValueError):
            raise CodecError("malformed bytes") from None
        if length < 0:
            raise CodecError("malformed bytes")
        return bytes(buffers.take(index, length))
    (tag, payload), *rest = node.items()
    if rest and tag != "__array__":
        raise CodecError("malformed value")
    if tag in ("__tuple__", "__list__") and isinstance(payload, list):
        items = [_from_plain(item, buffers, depth + 1, counter) for item in payload]
        return tuple(items) if tag == "__tuple__" else items
    if tag == "__dict__" and isinstance(payload, list):
        result = {}
        for pair in payload:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                raise CodecError("malformed dict")
            result[pair[0]] = _from_plain(pair[1], buffers, depth + 1, counter)
        return result
    if tag == "__float__" and payload in ("nan", "inf", "-inf"):
        return float(payload)
    if tag == "__big_int__" and isinstance(payload, str) and len(payload) < 5000:
        return int(payload)
    if tag == "__complex__" and isinstance(payload, list) and len(payload) == 2:
        return complex(float(payload[0]), float(payload[1]))
    if tag == "__unsupported__" and isinstance(payload, str):
        return Unsupported(payload[:200])
    raise CodecError(f"unknown tag {tag[:40]!r}")


_JSON_SCALARS = (bool, int, float, str)
_DTYPES: dict = {}  # a dtype's text in a message -> the dtype


def _array_from_plain(node, buffers):
    try:
        dtype = _DTYPES.get(node["dtype"]) if type(node["dtype"]) is str else None
        if dtype is None:
            dtype = np.dtype(node["dtype"])
            if type(node["dtype"]) is str and len(_DTYPES) < 256:
                _DTYPES[node["dtype"]] = dtype
        shape = tuple(int(n) for n in node["shape"])
        index = int(node["__array__"])
    except (KeyError, TypeError, ValueError) as error:
        raise CodecError(f"malformed array: {error}") from None
    if dtype.kind not in _DTYPE_KINDS or dtype.hasobject or len(shape) > 32 or min(shape, default=0) < 0:
        raise CodecError("array of an unsupported dtype or shape")
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    if nbytes > MAX_MESSAGE_BYTES:
        raise CodecError("array too large")
    array = np.frombuffer(buffers.take(index, nbytes), dtype=dtype).reshape(shape).copy()
    array = array.astype(dtype.newbyteorder("="), copy=False)
    if node.get("scalar") is True and array.ndim == 0:
        return array[()]
    return array


def encode_trusted(value) -> bytes:
    """A framed pickle, for the grader's messages to a child only (inputs, replay, answers).

    Unpickling runs code of the sender's choosing, so this direction is fine (the child trusts
    the grader) and the other never uses it: what a child sends is read with ``decode``.
    """
    body = pickle.dumps(value, protocol=4)  # numpy arrays load faster than with 5's in-band buffers
    return _PREFIX.pack(len(body), 0) + body


def decode_trusted(message: bytes):
    """Read what ``encode_trusted`` wrote (in the child)."""
    return pickle.loads(memoryview(message)[_PREFIX.size:])


def send(sock: socket.socket, value) -> None:
    sock.sendall(encode(value))


def receive(sock: socket.socket, limit: int = MAX_MESSAGE_BYTES):
    """The next message on ``sock``, decoded; raises EOFError when the peer has gone."""
    return decode(receive_raw(sock, limit))


def receive_raw(sock: socket.socket, limit: int = MAX_MESSAGE_BYTES) -> bytes:
    """The next framed message on ``sock``, still encoded (``decode`` reads it)."""
    prefix = _receive_exactly(sock, _PREFIX.size)
    total, header_length = _PREFIX.unpack(prefix)
    if total > limit:
        raise TooLarge(total, limit)
    if header_length > min(total, MAX_HEADER_BYTES):
        raise CodecError(f"a header of {header_length} bytes is over the limit of {MAX_HEADER_BYTES}")
    return prefix + _receive_exactly(sock, total)


def _receive_exactly(sock, count):
    chunks = bytearray()
    while len(chunks) < count:
        chunk = sock.recv(min(count - len(chunks), 1 << 20))
        if not chunk:
            raise EOFError("connection closed")
        chunks += chunk
    return bytes(chunks)
