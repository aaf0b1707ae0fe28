"""Drive JupyterLab in Chromium as a learner does: open a notebook, run it all, look at the widgets, move them.

Works with JupyterLab 4 + ipywidgets 8 (requirements.txt) and JupyterLab 3 +
ipywidgets 7 (requirements-oldest.txt, as on Colab): it relies only on what
both render, the class names `jupyter-widgets`, `widget-slider`,
`widget-readout`, `widget-dropdown`, `widget-toggle-buttons` and
`widget-button`, and on menu items found by their command id.

`widget_problems` is the check: it passes on the course's widgets and
reports a widget that failed to render or does not fit the notebook's width;
`move_each_control` reports a control that redraws nothing
(tests/browser/test_widgets.py proves both pass and fail).
"""

import json
import os
import pathlib
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from playwright.sync_api import Error as PlaywrightError

WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"
CHROMIUM = pathlib.Path("/usr/bin/chromium")
# The machine may be offline: without these flags Chromium waits on connections it tries by itself.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# JupyterLab settings for the test: every cell stays in the page (no windowing), no news fetched.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}
SLIDER_HANDLE = ".noUi-handle, .ui-slider-handle"  # ipywidgets 8 (noUiSlider), ipywidgets 7 (jQuery UI)
SLIDER_TRACK = ".noUi-base, .ui-slider"
ERROR_TEXT = "Error displaying widget"
# How far the widget (or a part of it) reaches past the right edge of its cell, as "N px past M px", or "".
OVERFLOW = """w => {
    const right = Math.max(...[w, ...w.querySelectorAll('*')].map(e => e.getBoundingClientRect().right));
    const edge = w.closest('.jp-Cell').getBoundingClientRect().right;
    return right > edge + 1 ? `${Math.round(right - edge)} px past ${Math.round(edge)} px` : '';
}"""
ERROR_VIEW = ".jupyter-widgets-error-widget"  # what ipywidgets 8 shows for a widget it cannot make


def widget_cells(notebook):
    """The indexes of the cells whose outputs show a widget, in a notebook given as a dict."""
    return [
        i
        for i, cell in enumerate(notebook["cells"])
        if any(WIDGET_MIMETYPE in output.get("data", {}) for output in cell.get("outputs", []))
    ]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server on 127.0.0.1 with a token, serving `root`, from this Python environment.

    Its configuration, data (kernel specs), runtime files and settings live
    under `home`, so nothing of the user's own Jupyter set-up is used. The
    kernels run this environment's Python (the one running the tests).
    """

    def __init__(self, root, home):
        self.root = pathlib.Path(root)
        self.token = secrets.token_hex(24)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        home = pathlib.Path(home)
        for plugin, settings in LAB_SETTINGS.items():
            path = home / "config" / "lab" / "user-settings" / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(settings))
        env = dict(os.environ, JUPYTER_TOKEN=self.token, BROWSER="true")
        env |= {f"JUPYTER_{name.upper()}_DIR": str(home / name) for name in ("config", "data", "runtime")}
        env.pop("MPLBACKEND", None)  # a learner's kernel draws with the inline backend
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1"]
        command += [f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.root}"]
        command += ["--allow-root"] if os.getuid() == 0 else []
        self.log = home / "lab.log"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, cwd=self.root, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 120
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"JupyterLab did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.5)

    def _answers(self):
        try:
            return self.api("status") is not None
        except (urllib.error.URLError, ConnectionError):
            return False

    def api(self, path, method="GET", **query):
        """Call the server's REST API; return the decoded JSON answer (None when empty)."""
        query = urllib.parse.urlencode(query | {"token": self.token})
        request = urllib.request.Request(f"{self.url}/api/{path}?{query}", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        for kernel in self.api("kernels"):
            self.api(f"kernels/{kernel['id']}", method="DELETE")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def launch_chromium(playwright, user_data_dir):
    """Debian's Chromium, headless, in a fresh profile (Playwright downloads no browser here)."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_FLAGS,
        viewport={"width": 1400, "height": 1000},
    )


class NotebookPage:
    """One notebook open in JupyterLab in a browser page, with the page's JavaScript errors recorded.

    Resources outside the server that fail to load (the Colab badge's image
    when the machine is offline, a font JupyterLab 3 asks of about:blank) are
    kept apart in `outside`: they are not the widgets' fault.
    """

    def __init__(self, context, lab, name):
        self.lab, self.name = lab, name
        self.page = context.new_page()
        self.console_errors, self.outside = [], []
        self.kernel_dialogs = 0
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        self.page.goto(f"{lab.url}/lab/tree/{name}?reset&token={lab.token}")  # reset: no tabs of earlier pages
        self.page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        self._wait_for_kernel()

    def _console(self, message):
        if message.type != "error":
            return
        url = message.location.get("url", "")
        # "Failed to load resource" names no URL in its text; a CORS refusal does: "Access to font at '...' from ...".
        resource = re.match(r"Failed to load resource|Access to \w+ at '([^']*)'", message.text)
        if resource and not (resource.group(1) or url).startswith(self.lab.url):
            self.outside.append(resource.group(1) or url)
        else:
            self.console_errors.append(f"{message.text} ({url})")

    def _wait_for_kernel(self, timeout=60):
        """Wait until the notebook has a kernel, answering JupyterLab's "Select Kernel" dialog if it asks."""
        deadline = time.monotonic() + timeout
        while not any(s["path"] == self.name and s.get("kernel") for s in self.lab.api("sessions")):
            accept = self.page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept")
            if accept.count() and accept.first.is_visible():
                accept.first.click()
                self.kernel_dialogs += 1
            assert time.monotonic() < deadline, f"{self.name}: no kernel started within {timeout} s"
            time.sleep(0.3)

    def command(self, menu, command):
        """Click the item running `command` in the menu-bar menu labelled `menu`, as a learner does."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
        self.page.locator(f'.lm-Menu-item[data-command="{command}"]').first.click()

    def run_all(self, timeout=300):
        """Clear all outputs, run all cells, wait until they have run, save; return the saved notebook (dict)."""
        self.command("Edit", "editmenu:clear-all")
        self.page.wait_for_function("!document.querySelector('.jp-Notebook .jp-OutputArea-output')")
        self.command("Run", "runmenu:run-all")
        deadline = time.monotonic() + timeout
        while not self._finished():
            assert time.monotonic() < deadline, f"{self.name}: Run All did not finish within {timeout} s"
            time.sleep(0.5)
        saved = self.last_modified()
        self.command("File", "docmanager:save")
        while self.last_modified() == saved:
            dialogs = self.page.locator(".jp-Dialog").all_inner_texts()
            assert time.monotonic() < deadline + 30, f"{self.name}: not saved; dialogs: {dialogs}"
            time.sleep(0.3)
        while True:  # the server truncates the file, then writes it
            try:
                return json.loads((self.lab.root / self.name).read_text())
            except json.JSONDecodeError:
                assert time.monotonic() < deadline + 60, f"{self.name}: the saved notebook does not parse"
                time.sleep(0.3)

    def last_modified(self):
        # content=0: the server only looks at the file (reading it would fail while it is half written).
        return self.lab.api(f"contents/{self.name}", content=0)["last_modified"]

    def _finished(self):
        # Run All marks every cell queued ([*]) at once; a cell that raises leaves the rest unrun ([ ]).
        prompts = self.page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_text_contents()
        return any(char.isdigit() for char in prompts[0]) and not any("*" in p for p in prompts)

    def cell(self, index):
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def widget(self, index):
        """The live widget the cell at `index` shows: its output holding `.jupyter-widgets` and no error."""
        outputs = self.cell(index).locator(".jp-OutputArea-output", has=self.page.locator(".jupyter-widgets"))
        return outputs.filter(has_not_text=ERROR_TEXT, has_not=self.page.locator(ERROR_VIEW)).first

    def widget_errors(self, index):
        """What the cell at `index` shows instead of a widget: "Error displaying widget..." lines."""
        outputs = self.cell(index).locator(".jp-OutputArea-output")
        errors = [text.strip()[:300] for text in outputs.filter(has_text=ERROR_TEXT).all_inner_texts()]
        return (
            errors
            + [f"{ERROR_TEXT} (ipywidgets' error view)"] * outputs.filter(has=self.page.locator(ERROR_VIEW)).count()
        )

    def widget_shown(self, index):
        """Whether the cell at `index` shows a live widget with its pictures loaded."""
        widget = self.widget(index)
        return widget.count() > 0 and widget.evaluate(
            "w => [...w.querySelectorAll('img')].some(i => i.naturalWidth > 0)"
        )

    def widget_problems(self, notebook, timeout=30):
        """What went wrong in the page, given the notebook as saved after running; [] when nothing did.

        Reports cells that raised, widget outputs showing "Error displaying
        widget" (or ipywidgets 8's error view), cells whose widget output shows
        no live widget with a loaded picture (a blank output, or JupyterLab
        falling back to the static PNG), and JavaScript errors in the console.
        Widgets render after their cell has run: each gets `timeout` seconds.
        """
        problems = [
            f"cell {i} raised {output['ename']}: {output['evalue']}"
            for i, cell in enumerate(notebook["cells"])
            for output in cell.get("outputs", [])
            if output["output_type"] == "error"
        ]
        for i in widget_cells(notebook):
            deadline = time.monotonic() + timeout
            while not (errors := self.widget_errors(i)) and not self.widget_shown(i) and time.monotonic() < deadline:
                time.sleep(0.25)
            problems += [f"cell {i}: {error}" for error in errors]
            if not errors and not self.widget_shown(i):
                problems.append(f"cell {i}: no widget with a picture shown")
            elif not errors and (width := self.widget(i).evaluate(OVERFLOW)):
                problems.append(
                    f"cell {i}: the widget reaches past the notebook's edge ({width}); its right part is hidden"
                )
        return problems + [f"console error: {error}" for error in self.console_errors]

    def controls(self, index):
        """The sliders, dropdowns, toggle buttons and buttons of the widget in the cell at `index`."""
        selector = ".widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-button"
        return self.widget(index).locator(selector).all()

    def picture(self, index):
        """The pixels of every picture in the widget at `index` (PNG screenshots), or None while one is loading."""
        images = self.widget(index).locator("img").all()
        try:
            if images and all(image.evaluate("i => i.complete && i.naturalWidth > 0") for image in images):
                return [image.screenshot(timeout=5_000) for image in images]
        except PlaywrightError:  # replaced while we looked (an Output widget redrawing)
            pass
        return None

    def move(self, control):
        """Change `control` as a learner does; return (its label, its value before, its value after).

        A slider's handle is dragged towards the side with more room; a
        dropdown gets another option; toggle buttons get another button; a
        button is clicked (its value: how many times it has been clicked here).
        """
        control.scroll_into_view_if_needed()
        label = control.locator(".widget-label").first.inner_text() if control.locator(".widget-label").count() else ""
        kind = control.get_attribute("class")
        if "widget-button" in kind.split():
            label = control.inner_text().strip()
            control.click()
            return label, "0 clicks", "1 click"
        if "widget-slider" in kind:
            value = control.locator(".widget-readout").first.inner_text
            before = value()
            track = control.locator(SLIDER_TRACK).first.bounding_box()
            handle = control.locator(SLIDER_HANDLE).first.bounding_box()
            x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
            share = 0.75 if x < track["x"] + track["width"] / 2 else 0.25
            self.page.mouse.move(x, y)
            self.page.mouse.down()
            self.page.mouse.move(track["x"] + share * track["width"], y, steps=10)
            self.page.mouse.up()
        elif "widget-dropdown" in kind:
            select = control.locator("select")
            value = select.input_value
            before = value()
            options = select.locator("option").evaluate_all("options => options.map(o => o.value)")
            select.select_option(next(option for option in options if option != before))
        else:
            value = control.locator("button.mod-active").first.inner_text
            before = value()
            control.locator("button:not(.mod-active)").first.click()
        return label, before, value()

    def move_each_control(self, index, timeout=20):
        """Move each control of the widget at `index` in turn; return a line per control that changed nothing."""
        failures = []
        for control in self.controls(index):
            before = self.picture(index)
            label, old, new = self.move(control)
            if old == new:
                failures.append(f"cell {index}: the control {label!r} did not move (still {old})")
                continue
            deadline = time.monotonic() + timeout
            while (after := self.picture(index)) is None or after == before:
                if time.monotonic() > deadline:
                    failures.append(f"cell {index}: {label!r} moved from {old} to {new}; the picture did not change")
                    break
                time.sleep(0.25)
        return failures
