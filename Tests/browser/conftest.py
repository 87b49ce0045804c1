"""Starts the real gateway binary (from another working directory, so its bundled pages must be found from the
executable) and the conformance suite's mock upstream, and drives Debian's headless Chromium with Selenium.
Every test fails on any browser console error it did not expect. Screenshots go to .artifacts/screenshots/."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "conformance"))
import mock_upstream  # noqa: E402  (the conformance suite's mock, reused as is)

ADMIN = "browser-admin-token-0123456789"
FILE_PROVIDER = {"name": "filed", "base_url": "http://127.0.0.1:9", "dialects": ["openai"],
                 "headers": {"X-Filed-Secret": "filed-header-secret-value-0001"}, "aliases": {"small": "llama3.2:1b"}}
ARTIFACTS = ROOT / ".artifacts" / "screenshots"
README_SHOTS = ROOT / "docs" / "screenshots"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, base, mock):
        self.base = base
        self.mock = mock
        self.mock_base = "http://127.0.0.1:%d" % mock.server_address[1]
        self.state = {}

    def call(self, method, path, token=ADMIN, body=None):
        """A JSON request; returns (status, parsed body)."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = "Bearer " + token
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, parse(response.read())
        except urllib.error.HTTPError as error:
            return error.code, parse(error.read())


def parse(raw):
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw.decode(errors="replace")


@pytest.fixture(scope="session")
def server():
    mock = mock_upstream.serve()
    mock_base = "http://127.0.0.1:%d" % mock.server_address[1]
    binary = os.environ.get("OLLAMA_POOL_BIN", str(ROOT / ".build" / "debug" / "ollama-pool"))
    folder = tempfile.mkdtemp(prefix="pool-browser-")
    port = free_port()
    # One provider from a file, which the dashboard shows read-only (test_providers.py).
    providers_file = Path(folder) / "providers.json"
    providers_file.write_text(json.dumps({"providers": [FILE_PROVIDER]}))
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", ADMIN_TOKEN=ADMIN, LOG_LEVEL="warning",
               DATABASE_URL="sqlite:" + folder + "/pool.sqlite", OLLAMA_UPSTREAM_URL=mock_base,
               OPENROUTER_UPSTREAM_URL=mock_base + "/openrouter", LOG_BODIES="1", PROVIDERS_FILE=str(providers_file))
    # Started from a temporary folder: the pages must come from the executable's resource bundle, not the cwd.
    process = subprocess.Popen([binary, "serve"], env=env, cwd=folder, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    base = "http://127.0.0.1:%d" % port
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/health", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                raise RuntimeError("gateway did not start: " + process.stderr.read().decode(errors="replace"))
            time.sleep(0.1)
    yield Server(base, mock)
    process.terminate()
    process.wait(timeout=30)
    mock.shutdown()
    shutil.rmtree(folder, ignore_errors=True)


def chromium_paths():
    browser = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return browser, driver


@pytest.fixture(scope="session")
def driver():
    browser, chromedriver = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1440,1000", "--lang=en-US", "--no-first-run", "--disable-extensions",
                     "--force-device-scale-factor=1"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=chromedriver)
    chrome = webdriver.Chrome(service=service, options=options)
    chrome.set_page_load_timeout(30)
    yield chrome
    chrome.quit()


def severe_logs(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.fixture(autouse=True)
def no_console_errors(request):
    """After every test that used the browser: no console error (JS errors, CSP violations, failed loads)."""
    yield
    if "driver" in request.fixturenames:
        errors = severe_logs(request.getfixturevalue("driver"))
        assert errors == [], "browser console errors: %s" % json.dumps(errors, indent=1)


class Page:
    """Small helpers over the driver for the tests."""

    def __init__(self, driver, server):
        self.driver = driver
        self.server = server

    def open(self, path, loaded=True):
        self.driver.get(self.server.base + path)
        if loaded:
            self.wait_for("body[data-loaded='true']")

    def wait(self, condition, timeout=15):
        # Tables are redrawn by the page's refresh, so an element found a moment ago may be gone: look again.
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1,
                             ignored_exceptions=[StaleElementReferenceException]).until(condition)

    def wait_for(self, selector, timeout=15):
        return self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, selector)), timeout)

    def visible(self, selector, timeout=15):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, selector)), timeout)

    def click(self, selector, timeout=15):
        element = self.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, selector)), timeout)
        element.click()
        return element

    def find(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def find_all(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def text(self, selector):
        return self.find(selector).text

    def type(self, selector, text, clear=True):
        element = self.visible(selector)
        if clear:
            element.clear()
        element.send_keys(text)
        return element

    def wait_text(self, selector, predicate, timeout=15):
        def check(driver):
            elements = driver.find_elements(By.CSS_SELECTOR, selector)
            return elements[0] if elements and predicate(elements[0].text) else False
        return self.wait(check, timeout)

    def screenshot(self, name, readme=False, max_height=4000):
        """Saves a screenshot of the page from its top (at most `max_height` pixels) as a test artifact; with
        UPDATE_README_SCREENSHOTS=1 also for the README."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.driver.execute_script("window.scrollTo(0, 0)")
        height = self.driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
        width = self.driver.get_window_size()["width"]
        chrome = self.driver.execute_script("return window.outerHeight - window.innerHeight")
        self.driver.set_window_size(width, max(700, min(height, max_height)) + chrome)
        time.sleep(0.3)
        self.driver.execute_script("window.scrollTo(0, 0)")
        path = ARTIFACTS / (name + ".png")
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(width, 1000)
        if readme and os.environ.get("UPDATE_README_SCREENSHOTS") == "1":
            README_SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, README_SHOTS / (name + ".png"))
        return path


@pytest.fixture
def page(driver, server):
    return Page(driver, server)
