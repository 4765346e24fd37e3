"""A seccomp filter that keeps student code from touching any process but its own.

Student processes share a user id with the fork server and with each other's (concurrent
submissions run side by side), so the kernel would let one kill, trace or read another. The
filter makes the calls that reach another process fail with EPERM: kill (except kill(0, sig),
the caller's own process group), tkill, tgkill, the sigqueue calls, the pidfd calls, ptrace and
process_vm_readv/writev. The fork server, which never runs student code, is not filtered and
does the killing. Installed once per child with no way back (no_new_privs; a filter cannot be
removed). Linux on x86_64 and aarch64; elsewhere ``install`` says it did nothing.
"""
from __future__ import annotations

import ctypes
import errno
import platform
import struct

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000

# audit architecture, then syscall numbers: kill first (it gets an argument check)
_ARCHITECTURES = {
    "x86_64": (0xC000003E, {"kill": 62, "others": [200, 234, 129, 297, 101, 310, 311, 424, 434, 438]}),
    "aarch64": (0xC00000B7, {"kill": 129, "others": [130, 131, 138, 240, 117, 270, 271, 424, 434, 438]}),
}

# classic BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06


def _instruction(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _program(audit_arch: int, numbers: dict) -> bytes:
    """allow, unless: another architecture (kill the process), an x32 call, kill(pid != 0, ...),
    or one of the other process-touching calls (EPERM)."""
    others = numbers["others"]
    deny_at = 11 + len(others)  # index of the final "deny"

    def jump(at: int, target: int) -> int:
        return target - at - 1

    program = [
        _instruction(_LD_W_ABS, 0, 0, 4),                          # 0: architecture
        _instruction(_JEQ_K, jump(1, 3), 0, audit_arch),           # 1
        _instruction(_RET_K, 0, 0, _RET_KILL_PROCESS),             # 2
        _instruction(_LD_W_ABS, 0, 0, 0),                          # 3: syscall number
        _instruction(_JGE_K, 0, jump(4, 6), 0x40000000),           # 4: x32 calls
        _instruction(_RET_K, 0, 0, _RET_ERRNO | errno.EPERM),      # 5
        _instruction(_JEQ_K, 0, jump(6, 10), numbers["kill"]),     # 6: kill?
        _instruction(_LD_W_ABS, 0, 0, 16),                         # 7: its pid (low 32 bits)
        _instruction(_JEQ_K, 0, jump(8, deny_at), 0),              # 8: pid 0 only
        _instruction(_RET_K, 0, 0, _RET_ALLOW),                    # 9
    ]
    for index, number in enumerate(others):                        # 10 ...
        program.append(_instruction(_JEQ_K, jump(10 + index, deny_at), 0, number))
    program += [_instruction(_RET_K, 0, 0, _RET_ALLOW),            # deny_at - 1
                _instruction(_RET_K, 0, 0, _RET_ERRNO | errno.EPERM)]  # deny_at
    return b"".join(program)


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install() -> bool:
    """Filter this process (and everything it starts); False where it cannot be done here."""
    architecture = _ARCHITECTURES.get(platform.machine())
    if architecture is None or platform.system() != "Linux":
        return False
    code = _program(*architecture)
    buffer = ctypes.create_string_buffer(code, len(code))
    program = _Program(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) == 0
