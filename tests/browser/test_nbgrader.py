"""nbgrader's JupyterLab extension loads in the course's JupyterLab (4.6) and opens its panels.

nbgrader 0.9.6 (requirements.txt) declares JupyterLab 4; this checks it in a browser: the Nbgrader menu is
there, the assignment list opens, and the formgrader's server extension answers. Teachers grade from the
command line either way (docs/grading.md). The oldest lane (JupyterLab 3, no nbgrader) leaves this file out.
"""

import re
import urllib.request


def test_the_nbgrader_extension_loads_in_jupyterlab_and_opens_the_assignment_list(chromium, lab):
    page = chromium.new_page()
    messages = []
    page.on("console", lambda message: messages.append((message.type, message.text)))
    page.on("pageerror", lambda error: messages.append(("error", f"uncaught: {error}")))
    try:
        page.goto(f"{lab.url}/lab?reset&token={lab.token}")
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click(timeout=60_000)
        page.locator('.lm-Menu-item[data-command="nbgrader:open-assignment-list"]').click()
        page.locator("#nbgrader-assignment-list").wait_for(state="visible", timeout=30_000)
    finally:
        page.close()
    assert ("debug", "JupyterLab extension assignment-list is activated!") in messages
    errors = [text for kind, text in messages if kind == "error" and "nbgrader" in text.lower()]
    assert errors == []
    with urllib.request.urlopen(f"{lab.url}/formgrader?token={lab.token}", timeout=60) as response:
        assert response.status == 200 and "formgrader" in response.read().decode().lower()
