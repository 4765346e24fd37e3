"""A seccomp filter for every process that runs student code.

Student processes share a user id with the fork server and with each other's (submissions are
graded side by side), so the kernel would let one kill, trace or read another, and as root the
process-count limit is not enforced. The filter makes these calls fail:

- reaching another process: kill (except kill(0, sig), the caller's own group), tkill, tgkill,
  the sigqueue calls, the pidfd calls, ptrace, process_vm_readv/writev;
- starting one: fork, vfork, clone without CLONE_THREAD (threads are allowed, up to the
  process limit), execve, execveat; clone3 answers ENOSYS so the C library falls back to clone.
  Where the kernel would not count threads against RLIMIT_NPROC (the sandbox's user is root
  outside it), ``forbid_threads`` makes every clone fail: no thread at all beats no limit;
- leaving its namespaces: mount, umount2, the new mount API, pivot_root, chroot, unshare, setns
  (each child's private /tmp stays its own, bounded).

So a graded function cannot fork-bomb the machine, kill the fork server or touch another
student's process. The fork server itself never runs student code and is not filtered. The
filter cannot be removed (no_new_privs). Linux on x86_64 and aarch64; elsewhere ``install``
says it did nothing.
"""
from __future__ import annotations

import ctypes
import errno
import platform
import struct

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000
_KILL_PROCESS = 0x80000000
_CLONE_THREAD = 0x00010000
_MOUNT_API = [428, 429, 430, 431, 432, 433, 442]  # open_tree ... fspick, mount_setattr

_SYSCALLS = {
    "x86_64": {"audit": 0xC000003E, "kill": 62, "clone": 56, "clone3": 435,
               "denied": [200, 234, 129, 297, 101, 310, 311, 424, 434, 438,  # reach another process
                          57, 58, 59, 322,  # fork, vfork, execve, execveat
                          165, 166, 155, 161, 272, 308, *_MOUNT_API]},  # mount ... setns
    "aarch64": {"audit": 0xC00000B7, "kill": 129, "clone": 220, "clone3": 435,
                "denied": [130, 131, 138, 240, 117, 270, 271, 424, 434, 438, 221, 281,
                           40, 39, 41, 51, 97, 268, *_MOUNT_API]},
}

# classic BPF
_LOAD = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15
_JGE = 0x35
_JSET = 0x45
_RET = 0x06
_ARCH, _NR, _ARG0 = 4, 0, 16  # offsets in struct seccomp_data (low 32 bits of args[0])


def _program(calls: dict, threads: bool = True) -> bytes:
    """The filter as BPF; jumps are written as labels and resolved at the end."""
    code: list[tuple] = []  # (opcode, true label or 0, false label or 0, k)

    def emit(opcode, k=0, true=None, false=None):
        code.append((opcode, true, false, k))

    emit(_LOAD, _ARCH)
    emit(_JEQ, calls["audit"], true="syscall", false="wrong_arch")
    labels = {"wrong_arch": len(code)}
    emit(_RET, _KILL_PROCESS)
    labels["syscall"] = len(code)
    emit(_LOAD, _NR)
    emit(_JGE, 0x40000000, true="deny", false="kill?")  # x32 calls
    labels["kill?"] = len(code)
    emit(_JEQ, calls["kill"], true="kill", false="clone?")
    labels["clone?"] = len(code)
    emit(_JEQ, calls["clone"], true="clone", false="clone3?")
    labels["clone3?"] = len(code)
    emit(_JEQ, calls["clone3"], true="enosys", false="denied?")
    labels["denied?"] = len(code)
    for number in calls["denied"]:
        emit(_JEQ, number, true="deny", false=None)
    emit(_RET, _ALLOW)
    labels["kill"] = len(code)  # BPF jumps only forward: each branch ends with its own return
    emit(_LOAD, _ARG0)
    emit(_JEQ, 0, true=None, false="deny")
    emit(_RET, _ALLOW)
    labels["clone"] = len(code)
    emit(_LOAD, _ARG0)
    emit(_JSET, _CLONE_THREAD if threads else 0, true=None, false="deny")
    emit(_RET, _ALLOW)
    labels["enosys"] = len(code)
    emit(_RET, _ERRNO | errno.ENOSYS)
    labels["deny"] = len(code)
    emit(_RET, _ERRNO | errno.EPERM)

    def offset(at: int, label) -> int:
        return 0 if label is None else labels[label] - at - 1

    return b"".join(struct.pack("HBBI", opcode, offset(at, true), offset(at, false), k)
                    for at, (opcode, true, false, k) in enumerate(code))


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _load_libc():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        for name in ("prctl", "unshare", "mount", "capset"):  # looked up once here, not in each child
            getattr(libc, name)
        return libc
    except (OSError, AttributeError):
        return None


LIBC = _load_libc()  # loaded once, in the fork server: every child inherits it (prctl, unshare, mount)


def _prepare(threads: bool = True):
    """The filter and libc, made once in the fork server (children inherit them)."""
    calls = _SYSCALLS.get(platform.machine())
    if calls is None or platform.system() != "Linux" or LIBC is None:
        return None
    code = _program(calls, threads)
    buffer = ctypes.create_string_buffer(code, len(code))
    return (LIBC, buffer, _Program(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p)))


_PREPARED = _prepare()


def forbid_threads() -> None:
    """From now on the filter also refuses every new thread (see above)."""
    global _PREPARED
    _PREPARED = _prepare(threads=False)


def install() -> bool:
    """Filter this process for good; False where it cannot be done here."""
    if _PREPARED is None:
        return False
    libc, _, program = _PREPARED
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) == 0
