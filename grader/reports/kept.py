"""What a process drew, kept for the next page that needs it: a text is kept the second time it is
drawn (the course's cells come back on every page; a student's own cells never do, and keeping
them would only fill the room), the least recently used is dropped first, and the whole stays
within a count and a number of characters, so a worker's memory stays flat however large the
class (and however large a student makes a cell)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Hashable


class Kept:
    def __init__(self, count: int, characters: int):
        self._items: OrderedDict[Hashable, str] = OrderedDict()
        self._seen: OrderedDict[int, None] = OrderedDict()  # hashes of keys drawn once
        self._count, self._characters, self._size = count, characters, 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            text = self._items.get(key)
            if text is not None:
                self._items.move_to_end(key)
            return text

    def put(self, key: Hashable, text: str) -> None:
        """Keep ``text`` under ``key`` if it was put once before; a text of more than a sixteenth
        of the room is not kept."""
        with self._lock:
            if key in self._items or len(text) > self._characters // 16:
                return
            seen = hash(key)
            if seen not in self._seen:
                self._seen[seen] = None
                if len(self._seen) > 4 * self._count:
                    self._seen.popitem(last=False)
                return
            self._items[key] = text
            self._size += len(text)
            while len(self._items) > self._count or self._size > self._characters:
                self._size -= len(self._items.popitem(last=False)[1])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._seen.clear()
            self._size = 0

    def drawn(self, key: Hashable, draw: Callable[[], str]) -> str:
        """The text kept under ``key``, else ``draw()``'s, kept."""
        text = self.get(key)
        if text is None:
            text = draw()
            self.put(key, text)
        return text
