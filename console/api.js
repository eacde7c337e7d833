// The Mediaflow API from the browser: the same routes and token header as every other client.
// Errors of every family become one Error whose message is "<Code>: <Message>".

export class ApiError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

function familyError(status, body) {
  if (body && typeof body === "object") {
    if (body.Code) return new ApiError(status, body.Code, body.Message || "");
    if (body.error_code) return new ApiError(status, body.error_code, body.error_msg || "");
    const ci = body.Error || body.Response?.Error;
    if (ci) return new ApiError(status, ci.Code, ci.Message || "");
    if (body.message) return new ApiError(status, `HTTP${status}`, body.message);
  }
  return new ApiError(status, `HTTP${status}`, typeof body === "string" ? body.slice(0, 200) : "request failed");
}

export class Api {
  constructor({ endpoint, projectId, token }) {
    this.endpoint = (endpoint || "").replace(/\/+$/, "");
    this.projectId = projectId;
    this.token = token;
  }

  get ready() {
    return Boolean(this.endpoint && this.projectId && this.token);
  }

  async call(method, path, { query, json, headers } = {}) {
    const url = new URL(`${this.endpoint}/v1/${this.projectId}${path}`);
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
    }
    const init = {
      method,
      headers: { "X-Auth-Token": this.token, Accept: "application/json", ...(headers || {}) },
    };
    if (json !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(json);
    }
    const response = await fetch(url, init);
    const text = await response.text();
    let body = text;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      /* not JSON: kept as text for the error message */
    }
    if (!response.ok) throw familyError(response.status, body);
    return body;
  }

  // Alibaba VOD family
  createUploadVideo(fields) { return this.call("POST", "/videos", { json: fields }); }
  refreshUploadVideo(videoId) { return this.call("POST", `/videos/${videoId}/refresh-upload`); }
  getVideo(videoId) { return this.call("GET", `/videos/${videoId}`); }
  listVideos(query) { return this.call("GET", "/videos", { query }); }
  uploadByUrl(fields) { return this.call("POST", "/url-uploads", { json: fields }); }
  urlUploadInfos(jobIds) { return this.call("GET", "/url-uploads", { query: { JobIds: jobIds.join(",") } }); }
  playUrl(object) { return this.call("GET", "/play-url", { query: { Object: object } }); }
  // Huawei MPC family
  listTasks(query) { return this.call("GET", "/transcodings", { query }); }
  createTask(body) { return this.call("POST", "/transcodings", { json: body }); }
  templateGroups() { return this.call("GET", "/template_group/transcodings"); }
  // Tencent CI family (JSON form of the XML requests)
  listJobs(query) { return this.call("GET", "/jobs", { query: { tag: "SmartCover", ...query } }); }
  submitJob(request) { return this.call("POST", "/jobs", { json: { Request: request } }); }
  describeJob(jobId) { return this.call("GET", `/jobs/${jobId}`); }
}

export function decodeBase64Json(value) {
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0))));
}
