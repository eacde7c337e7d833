// Mediaflow web console: a static page that calls the project's API with its token. No server of
// its own; served by the local stack at /console/ and by CloudFront when deployed.
import { Api, decodeBase64Json } from "./api.js";
import { Player } from "./player.js";
import { S3Upload } from "./s3upload.js";

const $ = (selector) => document.querySelector(selector);
const STORE = "mediaflow.console";
const REFRESH_MS = 2000;
const TERMINAL_VIDEO = new Set(["UploadSucc", "UploadFail", "Normal", "TranscodeFail"]);
const GOOD = new Set(["UploadSucc", "Normal", "SUCCEEDED", "Success", "SUCCESS"]);
const BAD = new Set(["UploadFail", "TranscodeFail", "FAILED", "Failed", "CANCELED", "Cancel", "DOWNLOAD_FAIL", "UPLOAD_FAIL"]);

const state = { api: new Api({}), storage: null, player: null, timer: null };
let pendingPlay = null;

function notice(text, kind = "info") {
  $("#notice").textContent = text;
  $("#notice").dataset.kind = kind;
}

function fmtBytes(n) {
  if (!n) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

const fmtTime = (value) => (value ? String(value).replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "");
const mpcTime = (v) => (v ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)} ${v.slice(8, 10)}:${v.slice(10, 12)}:${v.slice(12, 14)}` : "");

function statusCell(text) {
  const span = document.createElement("span");
  span.textContent = text;
  span.className = GOOD.has(text) ? "status-ok" : BAD.has(text) ? "status-bad" : "";
  return span;
}

function button(label, onClick, extra = {}) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "secondary";
  b.textContent = label;
  Object.assign(b.dataset, extra);
  b.addEventListener("click", onClick);
  return b;
}

// Rows are kept by key and updated in place, so a refresh never steals keyboard focus.
function renderRows(tbody, items, keyOf, cellsOf, actionsOf, signatureOf) {
  const seen = new Set();
  items.forEach((item, index) => {
    const key = keyOf(item);
    seen.add(key);
    let row = tbody.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
    const cells = cellsOf(item);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.key = key;
      for (let i = 0; i <= cells.length; i += 1) row.appendChild(document.createElement("td"));
    }
    if (tbody.children[index] !== row) tbody.insertBefore(row, tbody.children[index] || null);
    cells.forEach((cell, i) => {
      const td = row.children[i];
      if (cell instanceof Node) td.replaceChildren(cell);
      else if (td.textContent !== String(cell)) td.textContent = String(cell);
    });
    const signature = signatureOf(item);
    const actionsTd = row.children[cells.length];
    if (actionsTd.dataset.signature !== signature) {
      const box = document.createElement("div");
      box.className = "actions";
      for (const action of actionsOf(item)) box.appendChild(action);
      actionsTd.replaceChildren(box);
      actionsTd.dataset.signature = signature;
    }
  });
  for (const row of [...tbody.children]) if (!seen.has(row.dataset.key)) row.remove();
}

// ---------------------------------------------------------------- connection settings
function loadSettings() {
  const saved = JSON.parse(localStorage.getItem(STORE) || "{}");
  const hash = new URLSearchParams(location.hash.slice(1));
  const fromHash = { projectId: hash.get("project"), token: hash.get("token"), endpoint: hash.get("endpoint") };
  const settings = {
    endpoint: fromHash.endpoint || saved.endpoint || (location.pathname.startsWith("/console") ? location.origin : ""),
    projectId: fromHash.projectId || saved.projectId || "",
    token: fromHash.token || saved.token || "",
  };
  pendingPlay = hash.get("play");
  if (fromHash.token || fromHash.projectId) {
    history.replaceState(null, "", location.pathname + location.search); // the token leaves the address bar
  }
  return settings;
}

function applySettings(settings) {
  localStorage.setItem(STORE, JSON.stringify(settings));
  state.api = new Api(settings);
  const form = $("#settings-form");
  for (const key of ["endpoint", "projectId", "token"]) form.elements[key].value = settings[key] || "";
  if (!state.api.ready) {
    toggleSettings(true);
    notice("Enter the API endpoint, your project id and token (make run prints them).");
  }
}

function toggleSettings(open) {
  const section = $("#settings");
  section.hidden = !open;
  $("#settings-toggle").setAttribute("aria-expanded", String(open));
  if (open) section.querySelector("input").focus();
}

// ---------------------------------------------------------------- upload
async function waitForVideo(videoId, onStatus) {
  for (;;) {
    const info = await state.api.getVideo(videoId);
    onStatus(info.Video);
    if (TERMINAL_VIDEO.has(info.Video.Status)) return info;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function uploadFile(file) {
  const item = document.createElement("li");
  const name = document.createElement("span");
  name.textContent = file.name;
  const bar = document.createElement("progress");
  bar.max = file.size || 1;
  bar.value = 0;
  bar.setAttribute("aria-label", `Upload of ${file.name}`);
  const text = document.createElement("span");
  text.setAttribute("role", "status");
  item.append(name, bar, text);
  item.dataset.file = file.name;
  $("#uploads").prepend(item);
  try {
    const created = await state.api.createUploadVideo({
      Title: $("#upload-title").value || file.name.replace(/\.[^.]+$/, ""),
      FileName: file.name,
      FileSize: file.size,
      ...($("#upload-group").value ? { TemplateGroupId: $("#upload-group").value } : {}),
    });
    item.dataset.videoId = created.VideoId;
    const upload = new S3Upload(
      decodeBase64Json(created.UploadAddress),
      decodeBase64Json(created.UploadAuth),
      file,
      (sent, total) => {
        bar.value = sent;
        text.textContent = `${Math.floor((100 * sent) / (total || 1))} %`;
      },
    );
    await upload.start();
    text.textContent = "uploaded, probing...";
    const info = await waitForVideo(created.VideoId, (video) => { text.textContent = video.Status; });
    item.dataset.status = info.Video.Status;
    text.textContent = info.Video.ErrorCode
      ? `${info.Video.Status}: ${info.Video.ErrorCode}`
      : `${info.Video.Status} - ${Number(info.Video.Duration).toFixed(1)} s`;
    refresh();
  } catch (error) {
    item.dataset.status = "error";
    text.textContent = `failed: ${error.message}`;
  }
}

function setupUpload() {
  const zone = $("#dropzone");
  const input = $("#file-input");
  const take = (files) => { for (const file of files) uploadFile(file); };
  zone.addEventListener("click", () => input.click());
  zone.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); }
  });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    take(e.dataTransfer.files);
  });
  input.addEventListener("change", () => { take(input.files); input.value = ""; });
  $("#ingest-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const urls = $("#ingest-urls").value.split(/\s+/).filter(Boolean);
    if (!urls.length) return;
    try {
      const answer = await state.api.uploadByUrl({ UploadURLs: urls.map(encodeURI).join(",") });
      for (const job of answer.UploadJobs || []) {
        const li = document.createElement("li");
        li.dataset.jobId = job.JobId;
        li.textContent = `${job.SourceURL} - job ${job.JobId}`;
        $("#ingests").prepend(li);
      }
      $("#ingest-urls").value = "";
      notice(`${urls.length} URL(s) submitted.`);
    } catch (error) {
      notice(error.message);
    }
  });
}

async function refreshIngests() {
  const items = [...document.querySelectorAll("#ingests li[data-job-id]")].filter((li) => !li.dataset.done);
  if (!items.length) return;
  const answer = await state.api.urlUploadInfos(items.map((li) => li.dataset.jobId).slice(0, 10));
  for (const info of answer.URLUploadInfoList || []) {
    const li = document.querySelector(`#ingests li[data-job-id="${CSS.escape(info.JobId)}"]`);
    if (!li) continue;
    li.textContent = `${info.UploadURL} - ${info.Status}${info.ErrorCode ? `: ${info.ErrorCode}` : ""}`;
    if (/SUCCESS|FAIL/.test(info.Status)) li.dataset.done = "1";
  }
}

// ---------------------------------------------------------------- playback
export async function play(object, codec, label) {
  $("#now-playing").textContent = label || object;
  const video = $("#player");
  state.player.reset();
  video.dataset.object = ""; // set again once this object's URL is loaded (scripts wait on it)
  state.player.say("asking for a playable URL...");
  try {
    const { PlayInfo } = await state.api.playUrl(object);
    state.player.load(PlayInfo.PlayURL, PlayInfo.Format, codec);
    video.dataset.object = object;
    $("#player-section").scrollIntoView({ block: "nearest" });
  } catch (error) {
    state.player.fail(error.message);
    video.dataset.object = object;
  }
}

function taskOutputs(task) {
  const info = task.transcode_detail?.multitask_info || [];
  return (task.output_file_name || []).map((name, i) => {
    const templateId = task.trans_template_id?.[i];
    const detail = info.find((m) => m.template_id === templateId) || info[i] || {};
    const codec = detail.output_file?.video_info?.codec === "HEVC" ? "H265" : detail.output_file?.video_info?.codec;
    const object = `${task.output.object.replace(/\/+$/, "")}/${name}`;
    return { name, object, codec, templateId };
  });
}

// ---------------------------------------------------------------- covers
async function requestCovers(video) {
  try {
    const storage = video.StorageLocation.split("/").pop();
    const object = `covers/${video.VideoId}/cover-\${number}.jpg`;
    const answer = await state.api.submitJob({
      Tag: "SmartCover",
      Input: { Object: video.SourceObject },
      Operation: {
        SmartCover: { Format: "jpg", Width: "640", Count: "5", DeleteDuplicates: "true" },
        Output: { Region: video.RegionId, Bucket: storage, Object: object },
      },
    });
    const detail = answer.Response?.JobsDetail || answer.JobsDetail;
    notice(`Smart cover job ${detail?.JobId || ""} submitted for "${video.Title}".`);
    refresh();
  } catch (error) {
    notice(error.message);
  }
}

async function showCovers(job) {
  const files = job.Operation?.MediaResult?.OutputFile?.ObjectName || [];
  const gallery = $("#gallery");
  gallery.replaceChildren();
  const names = Array.isArray(files) ? files : [files];
  for (const [index, key] of names.entries()) {
    try {
      const { PlayInfo } = await state.api.playUrl(key);
      const figure = document.createElement("figure");
      const img = document.createElement("img");
      img.src = PlayInfo.PlayURL;
      img.alt = `Cover ${index + 1} of job ${job.JobId}`;
      img.loading = "lazy";
      const caption = document.createElement("figcaption");
      caption.textContent = `#${index + 1} ${key.split("/").pop()}`;
      figure.append(img, caption);
      gallery.appendChild(figure);
    } catch (error) {
      notice(error.message);
    }
  }
  $("#gallery-h").scrollIntoView({ block: "nearest" });
}

// ---------------------------------------------------------------- tables
async function refreshVideos() {
  const answer = await state.api.listVideos({ PageSize: "20" });
  const videos = answer.VideoList?.Video || [];
  renderRows(
    $("#videos-body"),
    videos,
    (v) => v.VideoId,
    (v) => [v.Title || v.VideoId, statusCell(v.Status), v.Duration ? `${Number(v.Duration).toFixed(1)} s` : "", fmtBytes(v.Size), fmtTime(v.CreationTime)],
    (v) => {
      const actions = [];
      if (v.SourceObject && !["Uploading", "UploadFail"].includes(v.Status)) {
        actions.push(button("Play source", () => play(v.SourceObject, undefined, `${v.Title} (source)`), { object: v.SourceObject }));
        actions.push(button("Covers", () => requestCovers(v)));
      }
      return actions;
    },
    (v) => `${v.Status}|${v.SourceObject}`,
  );
}

async function refreshTasks() {
  const answer = await state.api.listTasks({ size: "20" });
  renderRows(
    $("#tasks-body"),
    answer.task_array || [],
    (t) => String(t.task_id),
    (t) => {
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = t.progress || 0;
      bar.setAttribute("aria-label", `Task ${t.task_id} progress`);
      bar.textContent = `${t.progress || 0} %`;
      return [String(t.task_id), statusCell(t.status), bar, (t.trans_template_id || []).join(", "), mpcTime(t.create_time)];
    },
    (t) => (t.status === "SUCCEEDED" ? taskOutputs(t) : []).map((out) =>
      button(`Play ${out.name}`, () => play(out.object, out.codec, `task ${t.task_id}: ${out.name}`), {
        object: out.object,
        codec: out.codec || "",
      })),
    (t) => `${t.status}`,
  );
}

async function refreshJobs() {
  const answer = await state.api.listJobs({ size: "20" });
  const jobs = answer.Response?.JobsDetail || answer.JobsDetail || [];
  renderRows(
    $("#jobs-body"),
    Array.isArray(jobs) ? jobs : [jobs],
    (j) => j.JobId,
    (j) => [j.JobId, statusCell(j.State), j.Input?.Object || "", fmtTime(j.CreationTime)],
    (j) => (j.State === "Success" ? [button("Show covers", () => showCovers(j), { jobId: j.JobId })] : []),
    (j) => j.State,
  );
}

async function refresh() {
  if (!state.api.ready || document.hidden) return;
  const results = await Promise.allSettled([refreshVideos(), refreshTasks(), refreshJobs(), refreshIngests()]);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) notice(failed.reason.message, "error");
  else if ($("#notice").dataset.kind === "error") notice("");
}

async function deployedEndpoint() {
  // a deployed console (make console-deploy) ships config.json naming its API; locally it is absent
  try {
    const response = await fetch("config.json", { cache: "no-cache" });
    return response.ok ? (await response.json()).endpoint || "" : "";
  } catch {
    return "";
  }
}

async function start() {
  state.player = new Player($("#player"), $("#player-status"));
  const settings = loadSettings();
  if (!settings.endpoint) settings.endpoint = await deployedEndpoint();
  applySettings(settings);
  $("#settings-toggle").addEventListener("click", () => toggleSettings($("#settings").hidden));
  $("#settings-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    applySettings(Object.fromEntries(["endpoint", "projectId", "token"].map((k) => [k, String(form.get(k)).trim()])));
    toggleSettings(false);
    notice("Saved.");
    refresh();
  });
  setupUpload();
  if (pendingPlay) play(pendingPlay, undefined, pendingPlay); // `mediaflow play ID` opens #...&play=<key>
  refresh();
  state.timer = setInterval(refresh, REFRESH_MS);
  window.mediaflowConsole = { state, play, refresh }; // for scripts and the browser tests
}

start();
