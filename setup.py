"""Build step that pyproject.toml cannot express: ship the checkout's top-level site folders inside the package.

templates/, static/, locale/ and reference_data/ live beside manage.py (the layout the README describes) and belong
to no package, so `pip install .` would leave them behind and an installed copy could neither render a page nor
load the reference data. `build_py` copies them into the built package as `rakornis/_shipped/`, where
`rakornis._site` finds them at run time. Editable installs (`make install`) read the checkout and copy nothing.
Everything else about the project is in pyproject.toml.
"""

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# One list of the folders, read from the module that finds them at run time (which imports nothing else).
SHIPPED_FOLDERS = runpy.run_path(str(ROOT / "rakornis" / "_site.py"))["SHIPPED_FOLDERS"]


class BuildPyWithSiteFiles(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "rakornis" / "_shipped"
        for name in SHIPPED_FOLDERS:
            source = ROOT / name
            if not source.is_dir():
                raise SystemExit(f"setup.py: {source} is missing; an installed Rakornis would not work without it.")
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo~"))


setup(cmdclass={"build_py": BuildPyWithSiteFiles})
