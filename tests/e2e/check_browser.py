#!/usr/bin/python3
"""The website of adledger serve in a real browser, driven as a reader
would use it: Selenium (Debian's python3-selenium) with headless Chromium
through chromium-driver, against a real server on a free loopback port.

The reader opens the home page, searches for "RT", follows the result to
RT's page (which shows the founding figure, 274,100.00 USD, and the ledger's
head it was built from), goes back home, and asks the ban-status form about
RT on Twitter on 2017-10-25 (not banned) and on 2017-10-26 (banned, by the
ban of that day), reading each answer from the page. The browser's console
must stay empty: a Content-Security-Policy violation, a failed fetch or a
script error would show there. A screenshot of each step is kept in
--artefacts.

Usage: check_browser.py --adledger BIN --root REPO --artefacts DIR
"""

import argparse
import json
import os
import pathlib
import shutil
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from check_server import Checker, Server, TODAY, founding_ledger  # noqa: E402


def browser(tmp):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1200,1600", f"--user-data-dir={tmp / 'profile'}", "--no-first-run",
                 "--disable-extensions", "--disable-background-networking"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    service = DriverService(executable_path=driver_path, log_output=str(tmp / "chromedriver.log")) \
        if "log_output" in DriverService.__init__.__code__.co_varnames \
        else DriverService(executable_path=driver_path, log_path=str(tmp / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--adledger", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--artefacts", required=True)
    args = p.parse_args()
    root = pathlib.Path(args.root)
    artefacts = pathlib.Path(args.artefacts)
    artefacts.mkdir(parents=True, exist_ok=True)
    ck = Checker()
    try:
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        print("FAIL python3-selenium is not installed (Debian packages python3-selenium, chromium-driver): "
              "run `bash .ci/install-deps`")
        return 1

    with tempfile.TemporaryDirectory(prefix="adledger-browser-") as tmp:
        tmp = pathlib.Path(tmp)
        env = dict(os.environ, ADLEDGER_TODAY=TODAY, HOME=str(tmp))
        env.pop("ADLEDGER_DB", None)
        with founding_ledger(args, root, tmp, env, "browsed") as ledger:
            head = json.loads(ledger.run(["--format", "json", "head"]).stdout)["head"]
            server = Server(ledger)
            base = f"http://127.0.0.1:{server.port}"
            driver = None
            try:
                driver = browser(tmp)
                shot = 0

                def screenshot(name):
                    nonlocal shot
                    shot += 1
                    path = artefacts / f"browser-{shot:02d}-{name}.png"
                    ok = driver.save_screenshot(str(path))
                    ck.check(f"screenshot {path.name}", ok and path.stat().st_size > 10000,
                             f"{path.stat().st_size if path.exists() else 0} bytes")

                def console_is_quiet(step):
                    logs = [e for e in driver.get_log("browser") if "favicon.ico" not in e.get("message", "")]
                    ck.check(f"{step}: nothing in the browser's console", not logs, repr(logs[:3]))

                driver.get(base + "/")
                ck.check("home: its title names adledger", "adledger" in driver.title, driver.title)
                screenshot("home")
                console_is_quiet("home")

                search = driver.find_element(By.NAME, "q")
                search.send_keys("RT")
                search.submit()
                try:
                    WebDriverWait(driver, 10).until(lambda d: d.current_url.startswith(base + "/search?q=RT") and any(
                        a.get_attribute("href") == base + "/advertisers/rt" for a in d.find_elements(By.TAG_NAME, "a")))
                except TimeoutException:
                    pass  # the check below says where the browser is
                ck.check("search: the results page", driver.current_url.startswith(base + "/search?q=RT"),
                         driver.current_url)
                links = [a for a in driver.find_elements(By.TAG_NAME, "a")
                         if a.get_attribute("href") == base + "/advertisers/rt"]
                ck.check("search: RT is found, with a link to its page", bool(links), driver.page_source[:300])
                screenshot("search")
                console_is_quiet("search")
                if links:
                    links[0].click()
                    try:
                        WebDriverWait(driver, 10).until(lambda d: d.current_url == base + "/advertisers/rt"
                                                        and "274,100.00" in d.find_element(By.TAG_NAME, "body").text)
                    except TimeoutException:
                        pass  # the checks below say what the page holds
                    text = driver.find_element(By.TAG_NAME, "body").text
                    ck.check("RT's page: reached by the link", driver.current_url == base + "/advertisers/rt",
                             driver.current_url)
                    ck.check("RT's page: 274,100.00 USD on Twitter", "274,100.00" in text, text[:300])
                    ck.check("RT's page: the ledger's head it was built from", head in driver.page_source)
                    screenshot("advertiser-rt")
                    console_is_quiet("RT's page")

                for day, expected in (("2017-10-25", "twitter: not banned"), ("2017-10-26", "twitter: banned")):
                    driver.get(base + "/")
                    form = driver.find_element(By.CSS_SELECTOR, "form[action='/ban-status']")
                    advertiser = form.find_element(By.NAME, "advertiser")
                    advertiser.clear()
                    advertiser.send_keys("rt")
                    for option in form.find_element(By.NAME, "platform").find_elements(By.TAG_NAME, "option"):
                        if option.get_attribute("value") == "twitter":
                            option.click()
                    on = form.find_element(By.NAME, "on")
                    # A date input takes the day as the browser's locale types it;
                    # set its value as a form would hold it.
                    driver.execute_script("arguments[0].value = arguments[1]", on, day)
                    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
                    # The click returns once the form is sent, not always once
                    # the answer's page has loaded: wait for it (at most 10 s).
                    try:
                        WebDriverWait(driver, 10).until(
                            lambda d: "/ban-status?" in d.current_url and d.find_elements(By.CSS_SELECTOR, "p.answer"))
                    except TimeoutException:
                        pass  # the check below says what the page holds
                    answers = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "p.answer")]
                    ck.check(f"ban-status form on {day}: the answer is {expected!r}", answers == [expected],
                             f"{answers} at {driver.current_url}")
                    ck.check(f"ban-status form on {day}: the form's query",
                             f"advertiser=rt&platform=twitter&on={day}" in driver.current_url, driver.current_url)
                    if day == "2017-10-26":
                        ck.check("ban-status form: the ban that bans",
                                 "twitter-ad-ban-2017-10-26" in driver.page_source)
                    screenshot(f"ban-status-{day}")
                    console_is_quiet(f"ban-status on {day}")
            finally:
                if driver is not None:
                    driver.quit()
                ck.check("the server stops with exit 0", server.stop() == 0)

    for f in ck.failures:
        print(f"FAIL {f}")
    print(f"check_browser: {ck.passed} checks passed, {len(ck.failures)} failed; screenshots in {artefacts}")
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())
