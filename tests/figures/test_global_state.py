"""Figures leave a user's matplotlib alone: the backend they chose and their rcParams are the same
after importing metakinetics' figures and drawing and saving one (issue 9, item 8)."""
import subprocess
import sys
import textwrap


def test_backend_and_rcparams_untouched(tmp_path):
    code = textwrap.dedent(f"""
        import matplotlib
        matplotlib.use("svg")                      # a user's choice, e.g. a notebook's inline backend
        matplotlib.rcParams["lines.linewidth"] = 7.0
        before = dict(matplotlib.rcParams)
        from metakinetics.figures.fit_plot import plot_fit
        from metakinetics.figures.incidence import incidence_figure
        from metakinetics.figures.style import save
        from metakinetics.model import load_model
        fig = incidence_figure(load_model("exponential_one_organ"), points=5)
        save(fig, r"{tmp_path}", "one", ["png"], "caption")
        assert matplotlib.get_backend() == "svg", matplotlib.get_backend()
        after = dict(matplotlib.rcParams)
        changed = [k for k in before if before[k] != after[k]]
        assert not changed, changed
        import matplotlib.pyplot as plt
        assert plt.get_fignums() == []             # nothing registered with pyplot's state machine
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
