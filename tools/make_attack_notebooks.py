"""Write the attack notebooks in tests/attacks/: one notebook per thing hostile code may try.

Each notebook defines a correct initialize_adam (which must still pass) and an rnn_cell_forward
that attacks instead of computing (ATTACKS), or other graded functions that attack or are
correct beside an attack (NOTEBOOKS); the expected verdict of each graded function it names
sits in the notebook's metadata under "attack" ("passed" for work that must keep its points).
Run: python tools/make_attack_notebooks.py
"""
from pathlib import Path

import nbformat

FOLDER = Path(__file__).resolve().parent.parent / "tests" / "attacks"
MARKER = "grader-attack"

ADAM = '''import numpy as np

def initialize_adam(parameters):
    v, s = {}, {}
    for l in range(1, len(parameters) // 2 + 1):
        for p in ("W", "b"):
            v["d" + p + str(l)] = np.zeros(parameters[p + str(l)].shape)
            s["d" + p + str(l)] = np.zeros(parameters[p + str(l)].shape)
    return v, s
'''

ZEROS = "return np.zeros((a_prev.shape[0], xt.shape[1])), np.zeros((parameters['Wya'].shape[0], xt.shape[1])), None"

# name: (body of rnn_cell_forward, status it must get; "a or b" when the machine's speed decides
# [, more code cells])
ATTACKS = {
    "infinite_loop": ("while True:\n    pass", "timeout"),
    "ignores_signals": ("import signal\nfor s in range(1, 32):\n    try:\n        signal.signal(s, signal.SIG_IGN)\n"
                        "    except (OSError, ValueError, RuntimeError):\n        pass\nwhile True:\n    pass", "timeout"),
    "sys_exit": ("import sys\nsys.exit(0)", "error"),
    "os_exit": ("import os\nos._exit(0)", "error"),
    "kill_self": ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "error"),
    "kill_parent": ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + ZEROS, "error"),
    "memory_bomb": ("blocks = []\nwhile True:\n    blocks.append(bytearray(100 * 1024 * 1024))", "error or timeout"),
    "fork_bomb_survivor": ("import subprocess, os\nsubprocess.Popen(['sleep', '3133.7'], start_new_session=True)\n"
                           "if os.fork() == 0:\n    os.setsid()\n    os.execvp('sleep', ['sleep', '3133.8'])\n" + ZEROS,
                           "error"),
    "fork_bomb": ("import os\nwhile True:\n    os.fork()", "error"),
    "threads_left_running": ("import threading, time\nthreading.Thread(target=lambda: time.sleep(3133.9), daemon=False).start()\n"
                             + ZEROS, "failed or error"),
    "reads_the_reference": ("import os, sys\nfound = []\nfor root in list(sys.path) + ['/work', '/home', '/root', '/tmp', '/srv', '/opt']:\n"
                            "    for folder, _, files in os.walk(root):\n"
                            "        found += [os.path.join(folder, f) for f in files if f in ('rnn_step_by_step.py', 'spec.toml', 'cases.py', 'gradebook.sqlite', 'results.json')]\n"
                            "        if len(found) > 50:\n            break\n"
                            "print('FOUND', found)\n" + ZEROS, "failed or timeout"),
    "imports_the_grader": ("import grader.core.assignment\nassignment = grader.core.assignment.load_assignment()\n"
                           "case = assignment.function('rnn_cell_forward').cases[0]\nreturn case.expected", "error"),
    "writes_files": (f"import os\nfor path in ['{MARKER}-cwd', '/tmp/{MARKER}-tmp', os.path.expanduser('~/{MARKER}-home'),\n"
                     f"             '/work/main/reports/{MARKER}', '/work/main/{MARKER}']:\n"
                     f"    try:\n        open(path, 'w').write('x')\n    except OSError as error:\n        print('refused', path, error)\n"
                     + ZEROS, "failed"),
    "opens_a_socket": ("import socket\ntry:\n    socket.create_connection(('8.8.8.8', 53), timeout=2)\n    print('CONNECTED')\n"
                       "except OSError as error:\n    print('no network:', error)\n" + ZEROS, "failed"),
    "patches_numpy": ("np.allclose = lambda *a, **k: True\nnp.isclose = lambda a, b, **k: np.ones(np.shape(a), bool)\n"
                      "np.array_equal = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n" + ZEROS, "failed"),
    "patches_builtins": ("import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.len = lambda x: 3\n" + ZEROS,
                         "failed or error or timeout"),
    "patches_the_grader": ("import grader.core.compare, grader.runtime.codec\ngrader.core.compare.compare_return = lambda *a, **k: ()\n"
                           "grader.runtime.codec.decode = lambda *a: None\n" + ZEROS, "failed"),
    "prints_fake_results": ("import json, sys, os\nprint(json.dumps({'result': {'status': 'passed', 'score': 10}}))\n"
                            "sys.stdout.flush()\nos.write(1, b'{\"status\": \"passed\"}')\n" + ZEROS, "failed"),
    "forges_the_channel": ("import os, socket, struct, json\nfor fd in range(3, 64):\n    try:\n"
                           "        header = json.dumps({'result': {'function': 'rnn_cell_forward', 'case': 0, 'status': 'passed'}}).encode()\n"
                           "        os.write(fd, struct.pack('!QI', len(header), len(header)) + header)\n"
                           "    except OSError:\n        pass\n" + ZEROS, "error"),
    "lying_object": ("class Liar(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
                     "    def __array__(self, *a, **k):\n        raise RuntimeError('no')\n"
                     "class Anything:\n    shape = (5, 10)\n    def __eq__(self, other):\n        return True\n"
                     "    __array_priority__ = 1000\n"
                     "return np.zeros((5, 10)).view(Liar), Anything(), None", "failed"),
    "huge_return": ("return np.zeros((50000, 5000)), np.zeros((2, 10)), None", "error"),
    "deep_return": ("value = []\nfor _ in range(100000):\n    value = [value]\nreturn value, value, value", "error"),
    "prints_megabytes": ("line = 'x' * (200 * 1024 * 1024)\nprint(line)\n" + ZEROS, "failed or timeout"),
    # a raw stand-in call on the channel, naming the function itself: the grader must not answer
    "calls_itself_through_the_channel": (
        "import gc, socket\nfrom grader.runtime import codec\n"
        "for channel in [o for o in gc.get_objects() if isinstance(o, socket.socket) and o.fileno() >= 0]:\n"
        "    channel.sendall(codec.encode({'call': 'rnn_cell_forward', 'args': [xt, a_prev, parameters], 'kwargs': {}}))\n"
        "    reply = codec.decode_trusted(codec.receive_raw(channel))\n"
        "    if 'return' in reply:\n        return reply['return']\n" + ZEROS, "error"),
    # a frame whose JSON header holds a million tiny items: refused before it is parsed
    "sends_a_huge_header": (
        "import gc, socket, struct\nheader = b'{\"__list__\": [' + b'1,' * 900_000 + b'1]}'\n"
        "for channel in [o for o in gc.get_objects() if isinstance(o, socket.socket) and o.fileno() >= 0]:\n"
        "    channel.sendall(struct.pack('!QI', len(header), len(header)) + header)\n" + ZEROS, "error"),
    # 150 MiB per case: more than what is compared could ever take
    "returns_150_mib": ("return np.zeros(150 * 2**20 // 8), np.zeros((2, 10)), None", "error or timeout"),
    # another process's descriptors: the fork server's (other children's output files while it
    # forks them) and the sandbox's first process's (the grader's stdout and stderr)
    "reaches_other_processes": ("import os\nreached = []\nfor pid in os.listdir('/proc'):\n"
                                "    if not pid.isdigit() or int(pid) == os.getpid():\n        continue\n"
                                "    try:\n        fds = os.listdir(f'/proc/{pid}/fd')\n    except OSError:\n        continue\n"
                                "    for fd in fds:\n        try:\n"
                                "            with open(f'/proc/{pid}/fd/{fd}', 'ab', buffering=0) as other:\n"
                                "                other.write(b'::error file=x::FORGED-BY-STUDENT\\n\\x1b]0;owned\\x07' * 40000)\n"
                                "            reached.append(f'{pid}/{fd}')\n        except OSError:\n            pass\n"
                                "print('REACHED', reached)\n" + ZEROS, "failed"),
    "writes_to_the_console": ("import os\nfor path in ['/dev/tty', '/dev/console', '/proc/1/fd/1', '/proc/1/fd/2',\n"
                              "             f'/proc/{os.getppid()}/fd/1', f'/proc/{os.getppid()}/fd/2']:\n"
                              "    try:\n        with open(path, 'ab', buffering=0) as console:\n"
                              "            console.write(b'\\n::error file=x::FORGED-BY-STUDENT\\n::stop-commands::x\\n\\x1b[2J')\n"
                              "        print('wrote', path)\n    except OSError as error:\n        print('refused', path, error.strerror)\n"
                              + ZEROS, "failed"),
    "deep_scratch": ("import os\nfor top in ['.', '/tmp']:\n    path = top\n    try:\n        for _ in range(1200):\n"
                     "            path = os.path.join(path, 'd')\n            os.mkdir(path)\n"
                     "    except OSError as error:\n        print('stopped', error.strerror)\n" + ZEROS, "failed"),
    "fills_tmp": ("import os\nwritten = 0\nfor folder in ['/tmp', '/dev/shm', '/', '/var/tmp', os.getcwd()]:\n"
                  "    for n in range(300):\n        try:\n"
                  f"            with open(os.path.join(folder, f'{MARKER}-fill-{{n}}'), 'wb') as block:\n"
                  "                block.write(b'x' * (1024 * 1024 - 1))\n            written += 1\n"
                  "        except OSError:\n            break\nprint('MIB WRITTEN', written)\n" + ZEROS, "failed"),
    "starts_many_threads": ("import threading, time\ncount = 0\ntry:\n    for _ in range(5000):\n"
                            "        threading.Thread(target=time.sleep, args=(3133.6,), daemon=True).start()\n        count += 1\n"
                            "except RuntimeError as error:\n    print('stopped:', error)\nprint('THREADS', count)\n" + ZEROS,
                            "failed"),
    "sleeps_every_call": ("import time\ntime.sleep(0.6)\n" + ZEROS, "failed"),
    # frames a function writes on the channel itself, with values that break a careless reader;
    # then it holds memory and waits, to be found alive if nothing kills it
    "forges_seconds": ("import os, stat, time\nfrom grader.runtime import codec\n"
                       "frame = codec.encode({'result': {'function': 'rnn_cell_forward', 'case': 0, 'status': 'returned',\n"
                       "                                 'value': None, 'seconds': [1]}})\n"
                       "for fd in range(3, 64):\n    try:\n        if stat.S_ISSOCK(os.fstat(fd).st_mode):\n"
                       "            os.write(fd, frame)\n    except OSError:\n        pass\n"
                       "held = bytearray(300 * 2**20)\ntime.sleep(3133.4)", "failed or timeout or error"),
    "forges_a_shape": ("import os, stat, struct, time\nfrom grader.runtime import codec\n"
                       "frame = codec.encode({'result': {'function': 'rnn_cell_forward', 'case': 0, 'status': 'returned',\n"
                       "                                 'value': (np.zeros((5, 0)), np.zeros((2, 0)), None), 'seconds': 0.1}})\n"
                       "_, length = struct.unpack('!QI', frame[:12])\n"
                       "header, body = frame[12:12 + length].replace(b'[5, 0]', b'[4611686018427387904, 0]'), frame[12 + length:]\n"
                       "frame = struct.pack('!QI', len(header) + len(body), len(header)) + header + body\n"
                       "for fd in range(3, 64):\n    try:\n        if stat.S_ISSOCK(os.fstat(fd).st_mode):\n"
                       "            os.write(fd, frame)\n    except OSError:\n        pass\n"
                       "held = bytearray(300 * 2**20)\ntime.sleep(3133.4)", "failed or timeout or error"),
    "defines_too_much": (ZEROS, "failed", ["".join(f"def f{n}(): 0\n" for n in range(100_001))]),
}

RNN_CELL_FORWARD = '''def rnn_cell_forward(xt, a_prev, parameters):
    a_next = np.tanh(parameters["Waa"] @ a_prev + parameters["Wax"] @ xt + parameters["ba"])
    z = parameters["Wya"] @ a_next + parameters["by"]
    yt_pred = np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=0)
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)
'''

RNN_CELL_BACKWARD = '''def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, parameters = cache
    dtanh = da_next * (1 - a_next ** 2)
    return {"dxt": parameters["Wax"].T @ dtanh, "da_prev": parameters["Waa"].T @ dtanh,
            "dWax": dtanh @ xt.T, "dWaa": dtanh @ a_prev.T, "dba": dtanh.sum(axis=1, keepdims=True)}
'''

RNN_BACKWARD = '''def rnn_backward(da, caches):
    cache_list, x = caches
    n_a, m, T_x = da.shape
    n_x = x.shape[0]
    parameters = cache_list[0][3]
    dx = np.zeros((n_x, m, T_x))
    grads = {"dWax": 0, "dWaa": 0, "dba": 0}
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        step = rnn_cell_backward(da[:, :, t] + da_prevt, cache_list[t])
        dx[:, :, t] = step["dxt"]
        da_prevt = step["da_prev"]
        for name in grads:
            grads[name] = grads[name] + step[name]
    return {"dx": dx, "da0": da_prevt, **grads}
'''

# name: (the cells after the imports and initialize_adam, {graded function: status it must get})
NOTEBOOKS = {
    # rnn_cell_backward as one step of rnn_backward: the reference rnn_cell_backward calls no
    # graded function, so rnn_backward here is the student's own (not defined: a NameError)
    "borrows_through_rnn_backward": ([
        '''def rnn_cell_backward(da_next, cache):
    g = rnn_backward(da_next[:, :, None], ([cache], cache[2][:, :, None]))
    return {"dxt": g["dx"][:, :, 0], "da_prev": g["da0"], "dWax": g["dWax"], "dWaa": g["dWaa"], "dba": g["dba"]}
'''], {"rnn_cell_backward": "error"}),
    # the same with the student's own rnn_backward beside it: that one calls back, without end
    # (rnn_backward itself passes, graded with the reference rnn_cell_backward)
    "borrows_through_own_rnn_backward": ([
        '''def rnn_cell_backward(da_next, cache):
    g = rnn_backward(da_next[:, :, None], ([cache], cache[2][:, :, None]))
    return {"dxt": g["dx"][:, :, 0], "da_prev": g["da0"], "dWax": g["dWax"], "dWaa": g["dWaa"], "dba": g["dba"]}
''', RNN_BACKWARD], {"rnn_cell_backward": "error", "rnn_backward": "passed"}),
    # rnn_cell_forward as rnn_forward on a one-step sequence
    "borrows_through_rnn_forward": ([
        '''def rnn_cell_forward(xt, a_prev, parameters):
    a, y, caches = rnn_forward(xt[:, :, None], a_prev, parameters)
    return a[:, :, 0], y[:, :, 0], caches[0][0]
'''], {"rnn_cell_forward": "error"}),
    # a stand-in left over from a function graded earlier, found with the collector: there is none
    "hunts_stand_ins_with_gc": ([RNN_CELL_FORWARD, RNN_CELL_BACKWARD.replace(
        "def rnn_cell_backward(da_next, cache):\n",
        "def rnn_cell_backward(da_next, cache):\n"
        "    import gc\n"
        "    for found in gc.get_objects():\n"
        "        if callable(found) and getattr(found, '__name__', '') == 'rnn_cell_backward' "
        "and found is not globals()['rnn_cell_backward']:\n"
        "            return found(da_next, cache)\n"
        "    raise RuntimeError('no stand-in to borrow')\n") + "\n"], {"rnn_cell_forward": "passed",
                                                                     "rnn_cell_backward": "error"}),
    # another function's cases or replay table (reference answers; rnn_backward's inputs hold
    # rnn_forward's caches) looked for in the process's memory, through the frames that called
    # the function and the collector: there are none
    "hunts_other_functions_cases": ([RNN_CELL_FORWARD.replace(
        "def rnn_cell_forward(xt, a_prev, parameters):\n",
        "def rnn_cell_forward(xt, a_prev, parameters):\n"
        "    import gc, sys\n"
        "    others = {'rnn_forward', 'lstm_cell_forward', 'lstm_forward', 'rnn_cell_backward', 'rnn_backward',\n"
        "              'lstm_cell_backward', 'lstm_backward', 'update_parameters_with_adam'}\n"
        "    places, frame = [], sys._getframe()\n"
        "    while frame is not None and not globals().get('hunted'):  # once per process\n"
        "        places.append(dict(frame.f_locals))\n"
        "        frame = frame.f_back\n"
        "    if places:\n"
        "        globals()['hunted'] = True\n"
        "        places += [found for found in gc.get_objects() if isinstance(found, dict)]\n"
        "        places += [value for place in list(places) for value in place.values() if isinstance(value, dict)]\n"
        "    for place in places:\n"
        "        for key, value in list(place.items()):\n"
        "            if key in others and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):\n"
        "                raise RuntimeError(f'found what belongs to {key}: {type(value).__name__}')\n")],
        {"rnn_cell_forward": "passed"}),
    # a raw call on the channel of a graded function outside the function's stand-ins
    "calls_another_through_the_channel": ([
        '''def rnn_cell_backward(da_next, cache):
    import gc, socket
    from grader.runtime import codec
    for channel in [o for o in gc.get_objects() if isinstance(o, socket.socket) and o.fileno() >= 0]:
        call = {"call": "rnn_backward", "args": [da_next[:, :, None], ([cache], cache[2][:, :, None])], "kwargs": {}}
        channel.sendall(codec.encode(call))
        g = codec.decode_trusted(codec.receive_raw(channel))["return"]
        return {"dxt": g["dx"][:, :, 0], "da_prev": g["da0"], "dWax": g["dWax"], "dWaa": g["dWaa"], "dba": g["dba"]}
'''], {"rnn_cell_backward": "error"}),
    # a stand-in call the reference cannot afford: two outer products of 1.8 GB from 0.7 MB of
    # arguments; the reference runs under the memory limit in a worker of its own, not in the grader
    "crafts_a_huge_reference_call": ([RNN_BACKWARD.replace(
        "    cache_list, x = caches\n",
        "    big = np.ones((15000, 1))\n"
        "    rnn_cell_backward(big, (big, big, big, {'Wax': big, 'Waa': big, 'Wya': big, 'ba': big, 'by': big}))\n"
        "    cache_list, x = caches\n")], {"rnn_backward": "error"}),
    # stand-in calls the replay table does not know, without end: the case's time runs out
    "calls_the_reference_without_end": ([RNN_BACKWARD.replace(
        "    cache_list, x = caches\n",
        "    i = 0.0\n    while True:\n        i += 1\n        rnn_cell_backward(da[:, :, 0] + i, caches[0][0])\n"
        "    cache_list, x = caches\n")], {"rnn_backward": "timeout"}),
    # printing is not a fault: a correct function that prints a megabyte per call keeps its points
    "prints_a_megabyte_per_call": ([RNN_CELL_FORWARD.replace(
        "    return a_next", "    print('debug: ' + 'x' * 2**20)\n    return a_next")], {"rnn_cell_forward": "passed"}),
}


# attacks on what the grader does with a notebook besides running it: name: (body of
# rnn_cell_forward, status, cells put before it; "## ..." makes a markdown cell)
HUGE_HEX = "0x" + "f" * 5000  # past Python's 4300-digit limit on int-to-text conversion
NOTEBOOK_ATTACKS = {
    "nan_clock": ("import time\ntime.perf_counter = lambda: float('nan')\ntime.monotonic = lambda: float('nan')\n"
                  "time.time = lambda: float('inf')\n" + ZEROS, "failed", []),
    "huge_hex_constant": (f"key = {HUGE_HEX}\n" + ZEROS, "failed", [f"KEY = {HUGE_HEX}\nOTHER = -{HUGE_HEX}"]),
    "unreadable_markdown": (ZEROS, "failed", ["## <![x\n\n<p><![x</p> <![x]> and <![CDATA[ never closed",
                                              "## <![x hello\n\n<![if x]>more<b>text</b>"]),
}


def notebook(body: str, status: str, before: list[str] = ()) -> nbformat.NotebookNode:
    indented = "\n".join("    " + line for line in body.splitlines())
    cell = f"# GRADED FUNCTION: rnn_cell_forward\ndef rnn_cell_forward(xt, a_prev, parameters):\n{indented}\n"
    return _notebook([*before, cell, "rnn_cell_forward(None, None, None)"], {"rnn_cell_forward": status})


def _notebook(cells: list[str], verdicts: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(source[3:]) if source.startswith("## ")
                else nbformat.v4.new_code_cell(source) for source in [ADAM, *cells]]
    nb.metadata["attack"] = verdicts
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index}"
    return nb


def main() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, (body, status, *before) in ATTACKS.items():
        nbformat.write(notebook(body, status, *before), str(FOLDER / f"{name}.ipynb"))
    for name, (body, status, before) in NOTEBOOK_ATTACKS.items():
        nbformat.write(notebook(body, status, before), str(FOLDER / f"{name}.ipynb"))
    for name, (cells, verdicts) in NOTEBOOKS.items():
        nbformat.write(_notebook(cells, verdicts), str(FOLDER / f"{name}.ipynb"))
    print(f"wrote {len(ATTACKS) + len(NOTEBOOK_ATTACKS) + len(NOTEBOOKS)} notebooks to {FOLDER}")


if __name__ == "__main__":
    main()
