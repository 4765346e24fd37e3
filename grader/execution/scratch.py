"""Removing a child's scratch folder when it has ended, whatever the student's code left in it."""
from __future__ import annotations

import os


def close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def remove_folder(path: str) -> None:
    """Remove a scratch folder and what it holds, however deep, wide, odd or locked; never
    raises. Walks with a stack of open folders, not by recursion nor by path (a path can grow
    longer than the system allows), reading each folder once; what it cannot remove is left."""
    try:
        top = os.open(path, _FOLDER)
    except OSError:
        return
    stack = [(top, None, path, _empty_out(top))]
    while stack:
        fd, parent, name, subfolders = stack[-1]
        if subfolders:
            inner = subfolders.pop()
            try:
                stack.append((os.open(inner, _FOLDER, dir_fd=fd), fd, inner, None))
            except OSError:
                continue
            stack[-1] = stack[-1][:3] + (_empty_out(stack[-1][0]),)
            continue
        stack.pop()
        close_quietly(fd)
        try:
            os.rmdir(name, dir_fd=parent) if parent is not None else os.rmdir(name)
        except OSError:
            pass


def _empty_out(fd) -> list[str]:
    """Unlink every file of an open folder; the names of its subfolders."""
    subfolders = []
    try:
        os.fchmod(fd, 0o700)
        with os.scandir(fd) as entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        subfolders.append(entry.name)
                    else:
                        os.unlink(entry.name, dir_fd=fd)
                except OSError:
                    pass
    except (OSError, TypeError):
        pass
    return subfolders
