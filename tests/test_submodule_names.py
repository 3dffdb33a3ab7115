"""No name changes meaning on import: importing a submodule never replaces a package's public
attribute of the same name (as ``symbolic.reactions`` did, a function until the submodule was
imported, then the module). A package may still bind a verb over a submodule it imports first
(``metakinetics.incidence``): what is checked is that every public attribute a package's
``__init__`` sets is the same object after every submodule of metakinetics has been imported.

Runs in a fresh interpreter, because pytest has imported most submodules long before this test.
"""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A finder in front of the others wraps each metakinetics package's loader so that its public
# attributes are recorded the moment its __init__ has run; then every submodule is imported.
SCRIPT = r'''
import importlib, json, pkgutil, sys

snapshots = {}


class Snapshot:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.split(".")[0] != "metakinetics":
            return None
        for finder in sys.meta_path:
            if finder is cls or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.submodule_search_locations is not None and spec.loader is not None:
            run = spec.loader.exec_module

            def exec_module(module, run=run):
                run(module)
                snapshots[module.__name__] = {k: v for k, v in vars(module).items() if not k.startswith("_")}

            spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, Snapshot)
import metakinetics

for info in pkgutil.walk_packages(metakinetics.__path__, "metakinetics."):
    if not info.name.endswith(".__main__"):
        importlib.import_module(info.name)
changed = [f"{pkg}.{name}: {type(old).__name__} {getattr(old, '__name__', '')} became "
           f"{type(new).__name__} {getattr(new, '__name__', '')}"
           for pkg, attrs in snapshots.items() for name, old in attrs.items()
           if (new := getattr(sys.modules[pkg], name, None)) is not old]
print(json.dumps({"packages": sorted(snapshots), "changed": changed}))
'''


def test_importing_submodules_never_rebinds_a_package_attribute():
    res = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout.splitlines()[-1])
    assert {"metakinetics", "metakinetics.symbolic", "metakinetics.stochastic"} <= set(out["packages"])
    assert out["changed"] == [], "\n".join(out["changed"])
