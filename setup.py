"""The engine-only build: ``GRADER_ENGINE_ONLY=1 pip install .`` (or ``pip wheel .``) leaves the
bundled assignments and their references out, for a student's machine.

Everything else about the package is in ``pyproject.toml``; this file only swaps the step that
copies the packages into the build folder. With ``GRADER_ENGINE_ONLY`` unset (or 0), the build is
the full one. See docs/student-install.md.
"""
import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LEFT_OUT = ("grader.assignments", "grader.reference")  # every assignment, and every reference


def engine_only() -> bool:
    return os.environ.get("GRADER_ENGINE_ONLY", "").strip() not in ("", "0")


class BuildPy(build_py):
    def finalize_options(self):
        super().finalize_options()
        if engine_only():
            self.packages = [p for p in self.packages or [] if not p.startswith(LEFT_OUT)]
            self.package_data = {p: globs for p, globs in (self.package_data or {}).items()
                                 if not p.startswith(LEFT_OUT)}

    def run(self):
        if engine_only():  # an earlier full build may have left them in the build folder
            for package in LEFT_OUT:
                shutil.rmtree(Path(self.build_lib, *package.split(".")), ignore_errors=True)
        super().run()


setup(cmdclass={"build_py": BuildPy})
