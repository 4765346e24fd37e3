"""Where a child's printing goes: the graded function's output file, up to the output limit,
never failing (see ``child``)."""
from __future__ import annotations

import io
import os
import sys


class _Output(io.TextIOBase):
    """Where ``print`` goes (``sys.stdout`` and ``sys.stderr`` both): the function's output file
    up to the output limit, then nowhere. Printing never fails: what is past the limit is
    counted and dropped, and the descriptors 1 and 2 then lead to /dev/null, so a raw write
    is dropped too."""

    def __init__(self, descriptor: int, limit: int):
        super().__init__()
        self.descriptor = descriptor
        try:
            self.room = max(0, limit - os.fstat(descriptor).st_size)
        except OSError:
            self.room = 0
        self.printed = 0

    @property
    def encoding(self):
        return "utf-8"

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.descriptor

    @property
    def buffer(self) -> _BinaryOutput:
        return _BinaryOutput(self)

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        kept = text[:max(self.room, 0)]  # what can still be kept; the rest is counted, not encoded
        self.emit(kept.encode("utf-8", "replace"))
        self.printed += len(text) - len(kept)
        return len(text)

    def emit(self, data: bytes) -> None:
        self.printed += len(data)
        if self.room > 0:
            chunk = memoryview(data)[:self.room]
            try:
                while len(chunk):
                    written = os.write(self.descriptor, chunk)
                    self.room -= written
                    chunk = chunk[written:]
            except OSError:
                self.room = 0
            if self.room <= 0:
                _drop_raw_output()

    def flush(self) -> None:
        pass


class _BinaryOutput(io.RawIOBase):
    """``sys.stdout.buffer``: bytes, under the same limit."""

    def __init__(self, text: _Output):
        super().__init__()
        self.text = text

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self.text.emit(data)
        return len(data)


_output: _Output | None = None


def printed() -> int:
    """Bytes printed so far by the function being graded, kept or not."""
    return _output.printed if _output is not None else 0


def redirect_output(descriptor: int, limit: int) -> None:
    """Send what the process prints (fd 1 and 2, and Python's streams) to that open file."""
    global _output
    flush()
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    _output = _Output(1, limit)
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = _output
    if _output.room <= 0:
        _drop_raw_output()


def _drop_raw_output() -> None:
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)
    except OSError:
        pass


def flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass
