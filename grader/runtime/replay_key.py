"""The replay key of a call of a graded function: the same on the grader's side, where the
reference's own calls are recorded with their answers, and in a child, where a stand-in looks its
call up. What it hashes is what ``codec.encode`` keeps of the arguments, with the same limits."""
from __future__ import annotations

import hashlib

import numpy as np

from grader.runtime.codec import _DTYPE_KINDS, MAX_MESSAGE_BYTES, CodecError, _type_name, _within_limits


def call_key(name: str, parameter_names: list[str], args: list, kwargs: dict) -> str:
    """The same key on both sides for the same call of a graded function (positional arguments
    are named by the function's parameters, so f(x, y) and f(x, a=y) meet).

    Values are written as they stand, tagged by type (an int 1, a float 1.0 and a numpy 1.0
    differ), rather than encoded into a message first, and hashed at once: stand-ins key every
    call, ~150 per submission."""
    named = dict(zip(parameter_names, args))
    extra = list(args[len(parameter_names):])
    named.update(kwargs)
    # what _feed writes of [name, sorted(named.items()), extra], with the (name, value) pairs
    # written here and the values by the quickest path that writes the same
    counter = [2]
    pieces: list = [b"[3"]
    _feed(name, pieces, 1, counter)
    pieces.append(b"[%d" % len(named))
    for key, value in sorted(named.items()):
        pieces.append(b"(2")
        counter[0] += 1
        _feed_text(key, pieces) if type(key) is str else _feed(key, pieces, 3, counter)
        if type(value) is np.ndarray:
            _within_limits(3, counter)
            _feed_ndarray(value, np.ndarray, pieces, 3, counter)
        else:
            _feed(value, pieces, 3, counter)
    _feed(extra, pieces, 1, counter)
    return hashlib.blake2b(b"".join(pieces), digest_size=16).hexdigest()


def _feed_text(text: str, pieces: list) -> None:
    data = text.encode("utf-8", "surrogatepass")
    pieces.append(b"s%d:" % len(data))
    pieces.append(data)


def _feed(value, pieces: list, depth: int, counter: list[int]) -> None:
    """What ``encode`` keeps of ``value``, unambiguously, onto ``pieces``; the same limits.
    Arrays and dicts of them come first: they are nearly every argument, so a dict's string
    keys and array values are written here, not by a call each."""
    _within_limits(depth, counter)
    kind = type(value)
    if kind is np.ndarray or (kind is not dict and isinstance(value, np.ndarray)):
        _feed_ndarray(value, kind, pieces, depth, counter)
    elif kind is dict:
        if any(type(key) is not str for key in value):
            _feed("dict with keys that are not strings", pieces, depth, counter)
            pieces.append(b"U")
            return
        pieces.append(b"{%d" % len(value))
        inner = depth + 1
        for key, item in value.items():
            _within_limits(inner, counter)
            data = key.encode("utf-8", "surrogatepass")
            pieces.append(b"s%d:" % len(data))
            pieces.append(data)
            if type(item) is np.ndarray:
                _within_limits(inner, counter)
                _feed_ndarray(item, np.ndarray, pieces, inner, counter)
            else:
                _feed(item, pieces, inner, counter)
    elif value is None:
        pieces.append(b"N")
    elif kind is bool:
        pieces.append(b"T" if value else b"F")
    elif kind is str:
        data = value.encode("utf-8", "surrogatepass")
        pieces.append(b"s%d:" % len(data))
        pieces.append(data)
    elif kind is int:
        pieces.append(b"i%d;" % value)
    elif kind is float:
        pieces.append(b"f%s;" % repr(value).encode())
    elif kind is complex:
        pieces.append(b"c%s;" % repr(value).encode())
    elif kind is bytes:
        pieces.append(b"b%d:" % len(value))
        pieces.append(value)
    elif isinstance(value, np.generic) and value.dtype.kind in _DTYPE_KINDS:
        _feed_array(np.asarray(value), pieces, b"g")
    elif kind is tuple or kind is list:
        pieces.append(b"(%d" % len(value) if kind is tuple else b"[%d" % len(value))
        for item in value:
            _feed(item, pieces, depth + 1, counter)
    else:
        _feed(_type_name(value), pieces, depth, counter)
        pieces.append(b"U")


def _feed_ndarray(value, kind, pieces: list, depth: int, counter: list[int]) -> None:
    array = np.ndarray.view(value, np.ndarray) if kind is not np.ndarray else value
    header = _ARRAY_HEADERS.get((array.dtype, array.shape))  # only plain, native dtypes are kept
    if header is not None and array.flags.c_contiguous and array.nbytes <= MAX_MESSAGE_BYTES:
        pieces.append(header)
        pieces.append(array)
    elif array.dtype.kind not in _DTYPE_KINDS:
        _feed(f"numpy array of dtype {array.dtype}", pieces, depth, counter)
        pieces.append(b"U")
    else:
        _feed_array(array, pieces, b"a")


_ARRAY_HEADERS: dict = {}  # (dtype, shape) of an array -> its bytes in the key
_SCALAR_HEADERS: dict = {}


def _feed_array(array: np.ndarray, pieces: list, tag: bytes) -> None:
    if array.nbytes > MAX_MESSAGE_BYTES:
        raise CodecError(f"an array of {array.nbytes} bytes is too large")
    if not (array.flags.c_contiguous and array.dtype.byteorder in "=|"):  # this machine is little-endian
        array = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False)
    headers = _ARRAY_HEADERS if tag == b"a" else _SCALAR_HEADERS
    described = (array.dtype, array.shape)
    header = headers.get(described)
    if header is None:
        header = b"%s%s%s;" % (tag, array.dtype.str.encode(), repr(array.shape).encode())
        if len(headers) < 4096:
            headers[described] = header
    pieces.append(header)
    pieces.append(array)
