"""The web console in a real browser (Debian's headless Chromium through its chromedriver).

Playback is proven on the outputs of a real transcoding task: H.264 HLS (TS, through hls.js) and
MP4 must play past 2 s without a media error and land a seek; H.265 outputs must be reported as
unsupported by the console when this Chromium lacks the codec (Debian's build does), and must
play like the others where it has it. A browser upload (multipart, straight to S3) runs end to
end, the covers gallery fills, and the screenshot the README shows is taken here.
"""

from __future__ import annotations

import shutil
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO, Api, Project
from tests.e2e.test_foundation import create, upload, wait_for
from tests.e2e.test_transcoding import wait_task
from tests.support.clips import make_clip, make_large_clip

SCREENSHOT = REPO / "docs" / "console.png"
TEMPLATES = [111, 114, 211, 214]  # 360p: H.264 HLS, H.264 MP4, H.265 HLS (fMP4), H.265 MP4
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # root in a container: the sandbox cannot start
    "--disable-dev-shm-usage",  # a small /dev/shm makes the renderer crash
    "--disable-gpu",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
    "--window-size=1280,1000",
)


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        pytest.fail("chromium and chromedriver are missing: `make browser` installs them (Debian packages)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(chromedriver), options=options)
    browser.set_script_timeout(40)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-console")


@pytest.fixture(scope="module")
def task(api: Api, project: Project, clip_dir: Path) -> dict[str, Any]:
    """A real transcoding task of an uploaded 6 s clip into every template above."""
    answer = create(api, project, Title="console clip")
    upload(answer, make_clip(clip_dir, seconds=6, width=640, height=360, fps=25))
    assert wait_for(api, project, answer["VideoId"], {"UploadSucc", "UploadFail"})["Video"]["Status"] == (
        "UploadSucc"
    )
    bucket = api.ref("MediaBucket")
    source = f"uploads/{project.project_id}/{answer['VideoId']}/source.mp4"
    body = {
        "input": {"bucket": bucket, "location": "us-east-1", "object": source},
        "output": {"bucket": bucket, "location": "us-east-1", "object": f"console/{answer['VideoId']}"},
        "trans_template_id": TEMPLATES,
    }
    created = api.call("POST", f"/v1/{project.project_id}/transcodings", project.token, json=body)
    assert created.status_code in (200, 201, 202), created.text
    done = wait_task(api, project, str(created.json()["task_id"]))
    assert done["status"] == "SUCCEEDED", done
    return done


@pytest.fixture(scope="module")
def console(driver: Any, api: Api, project: Project, task: dict[str, Any]) -> Any:
    driver.get(f"{api.endpoint}/console/#project={project.project_id}&token={project.token}")
    wait_until(
        driver, f"return !!document.querySelector('#tasks-body tr[data-key=\"{task['task_id']}\"] button')"
    )
    assert "token=" not in driver.current_url  # the token does not stay in the address bar
    return driver


def wait_until(driver: Any, script: str, timeout_s: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        if time.monotonic() > deadline:
            status = driver.execute_script("return document.querySelector('#player-status')?.textContent")
            notice = driver.execute_script("return document.querySelector('#notice')?.textContent")
            pytest.fail(f"timed out waiting for {what or script} (player: {status!r}, notice: {notice!r})")
        time.sleep(0.2)


PLAY_CHECK = """
const [name, done] = arguments;
const video = document.querySelector('#player');
video.muted = true;
const started = performance.now();
const report = (extra) => done({time: video.currentTime, error: video.error && video.error.code,
  consoleError: video.dataset.error || null, unsupported: video.dataset.unsupported || null,
  engine: window.mediaflowConsole.state.player.state.engine, ...extra});
const tick = () => {
  if (!(video.dataset.object || '').endsWith('/' + name)) {  // the console is still asking for the URL
    if (performance.now() - started > 20000) return report({phase: 'no-url'});
    return setTimeout(tick, 100);
  }
  if (video.dataset.error || video.error) return report({phase: 'error'});
  if (video.currentTime > 2.0) return report({phase: 'played'});
  if (performance.now() - started > 20000) return report({phase: 'timeout'});
  if (video.paused && video.readyState >= 2) video.play().catch(() => {});
  setTimeout(tick, 100);
};
tick();
"""

SEEK_CHECK = """
const [target, done] = arguments;
const video = document.querySelector('#player');
const timer = setTimeout(() => done({landed: false, time: video.currentTime}), 15000);
video.addEventListener('seeked', () => {
  const at = video.currentTime;
  const resumed = () => video.currentTime > at + 0.3
    ? (clearTimeout(timer),
       done({landed: true, at, time: video.currentTime, error: video.dataset.error || null}))
    : setTimeout(resumed, 100);
  resumed();
}, {once: true});
video.currentTime = target;
video.play().catch(() => {});
"""


def outputs(task: dict[str, Any]) -> dict[int, str]:
    return dict(zip(task["trans_template_id"], task["output_file_name"], strict=True))


def play(driver: Any, task: dict[str, Any], template_id: int) -> dict[str, Any]:
    """Clicks the output's Play button; the answer once it played past 2 s, failed or timed out."""
    name = outputs(task)[template_id]
    selector = f'#tasks-body tr[data-key="{task["task_id"]}"] button[data-object$="/{name}"]'
    driver.execute_script("document.querySelector(arguments[0]).click()", selector)
    return dict(driver.execute_async_script(PLAY_CHECK, name))


@pytest.mark.parametrize("template_id", [111, 114], ids=["h264-hls-ts", "h264-mp4"])
def test_h264_outputs_play_past_two_seconds_and_seek(
    console: Any, task: dict[str, Any], template_id: int
) -> None:
    played = play(console, task, template_id)
    if played.get("unsupported"):
        pytest.fail(f"this Chromium lacks a codec the output needs: {played['unsupported']}")
    assert played["phase"] == "played", played
    assert played["error"] is None and played["consoleError"] is None, played
    if template_id == 111:
        assert played["engine"].startswith("hls.js"), played  # not Chromium's "maybe" native HLS
    seek = console.execute_async_script(SEEK_CHECK, 4.0)
    assert seek["landed"], seek
    assert seek["at"] == pytest.approx(4.0, abs=0.5) and seek["error"] is None, seek


@pytest.mark.parametrize("template_id", [211, 214], ids=["h265-hls-fmp4", "h265-mp4"])
def test_h265_outputs_play_or_are_reported_unsupported(
    console: Any, task: dict[str, Any], template_id: int
) -> None:
    played = play(console, task, template_id)
    if played.get("unsupported"):
        assert "H.265" in played["unsupported"]
        status = console.execute_script("return document.querySelector('#player-status').textContent")
        assert "not supported by this browser" in status  # the person is told, not left waiting
        warnings.warn(
            f"H.265 output {template_id}: {played['unsupported']} (Debian's Chromium)", stacklevel=1
        )
        return
    assert played["phase"] == "played" and played["error"] is None, played


def test_a_browser_upload_goes_multipart_to_s3_and_ends_upload_succ(
    console: Any, api: Api, project: Project, clip_dir: Path
) -> None:
    clip = make_large_clip(clip_dir, min_bytes=12 * 1024 * 1024)  # > one 8 MiB part: multipart
    console.find_element("id", "file-input").send_keys(str(clip))
    status = wait_until(
        console,
        f"const li = document.querySelector('#uploads li[data-file=\"{clip.name}\"]');"
        "return li && li.dataset.status",
        timeout_s=60,
        what="the browser upload",
    )
    assert status == "UploadSucc", console.execute_script(
        "return document.querySelector('#uploads').innerText"
    )
    video_id = console.execute_script(
        f"return document.querySelector('#uploads li[data-file=\"{clip.name}\"]').dataset.videoId"
    )
    info = api.call("GET", f"/v1/{project.project_id}/videos/{video_id}", project.token).json()
    assert info["Video"]["Size"] == clip.stat().st_size
    wait_until(console, f"return !!document.querySelector('#videos-body tr[data-key=\"{video_id}\"]')")


def test_covers_gallery_and_the_readme_screenshot(console: Any, task: dict[str, Any]) -> None:
    video_row = "#videos-body tr:last-child"  # the transcoded clip: the oldest video of the project
    console.execute_script(
        f"[...document.querySelectorAll('{video_row} button')].find(b => b.textContent === 'Covers').click()"
    )
    wait_until(
        console, "return !!document.querySelector('#jobs-body button[data-job-id]')", 90, "a cover job"
    )
    console.execute_script("document.querySelector('#jobs-body button[data-job-id]').click()")
    count = wait_until(
        console,
        "const imgs = [...document.querySelectorAll('#gallery img')];"
        "return imgs.length && imgs.every(i => i.complete && i.naturalWidth > 0) && imgs.length",
        30,
        "the covers to load",
    )
    assert count >= 1
    assert play(console, task, 111)["phase"] == "played"
    console.execute_script("document.querySelector('#player').pause(); window.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    console.set_window_size(1280, 2200)
    console.save_screenshot(str(SCREENSHOT))
    console.set_window_size(1280, 1000)


def test_the_console_is_labelled_and_fits_a_phone(console: Any) -> None:
    unlabelled = console.execute_script(
        "return [...document.querySelectorAll('input, textarea, button, progress')].filter(e => {"
        "  const name = e.getAttribute('aria-label') || e.labels?.[0]?.textContent || e.textContent;"
        "  return !(name && name.trim()) && e.type !== 'hidden';"
        "}).map(e => e.outerHTML.slice(0, 80))"
    )
    assert unlabelled == []
    console.set_window_size(390, 844)
    try:
        overflow = console.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1  # tables scroll inside their own box, the page does not
    finally:
        console.set_window_size(1280, 1000)
