// Browser upload straight to S3 with the STS credentials CreateUploadVideo issued (one object key).
// SigV4 header signing with WebCrypto (UNSIGNED-PAYLOAD, so parts are never read twice), a single
// PUT for small files, multipart (8 MiB parts, 3 in flight) with byte progress for larger ones.

const encoder = new TextEncoder();
export const PART_BYTES = 8 * 1024 * 1024;
const PARALLEL = 3;

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
const sha256 = async (text) => hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));

async function hmac(key, text) {
  const raw = typeof key === "string" ? encoder.encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(text));
}

// RFC 3986 unreserved characters stay; everything else is %XX (SigV4's UriEncode).
export function uriEncode(value, keepSlash = false) {
  return [...encoder.encode(value)]
    .map((byte) => {
      const ch = String.fromCharCode(byte);
      if (/[A-Za-z0-9\-_.~]/.test(ch) || (keepSlash && ch === "/")) return ch;
      return `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

// Returns the headers to send (Authorization, x-amz-*); `now` is injectable for tests.
export async function signS3(method, url, credentials, region, now = new Date()) {
  const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const headers = {
    host: url.host,
    "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
    "x-amz-date": amzDate,
  };
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const path = uriEncode(decodeURIComponent(url.pathname), true);
  const canonical = [
    method,
    path,
    query,
    names.map((n) => `${n}:${String(headers[n]).trim()}\n`).join(""),
    names.join(";"),
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, await sha256(canonical)].join("\n");
  let key = await hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [region, "s3", "aws4_request"]) key = await hmac(key, part);
  const signature = hex(await hmac(key, toSign));
  const out = { ...headers };
  delete out.host; // the browser sets Host itself, to exactly url.host
  out.Authorization =
    `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return out;
}

function send(method, url, headers, body, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve(xhr)
        : reject(new Error(`S3 ${method} failed: HTTP ${xhr.status} ${xhr.responseText.slice(0, 200)}`));
    xhr.onerror = () => reject(new Error(`S3 ${method} failed: network error (CORS?)`));
    xhr.send(body ?? null);
  });
}

export class S3Upload {
  // address/auth: the decoded UploadAddress / UploadAuth of CreateUploadVideo
  constructor(address, auth, file, onProgress) {
    this.objectUrl = `${address.Endpoint.replace(/\/+$/, "")}/${address.Bucket}/${uriEncode(address.FileName, true)}`;
    this.region = address.Region;
    this.credentials = {
      accessKeyId: auth.AccessKeyId,
      secretAccessKey: auth.AccessKeySecret,
      sessionToken: auth.SecurityToken,
    };
    this.file = file;
    this.onProgress = onProgress || (() => {});
    this.sent = new Map(); // part number -> bytes sent so far
  }

  async request(method, query, body, onProgress) {
    const url = new URL(this.objectUrl);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers = await signS3(method, url, this.credentials, this.region);
    return send(method, url.toString(), headers, body, onProgress);
  }

  report() {
    let total = 0;
    for (const value of this.sent.values()) total += value;
    this.onProgress(Math.min(total, this.file.size), this.file.size);
  }

  async start() {
    if (this.file.size <= PART_BYTES) {
      await this.request("PUT", {}, this.file, (n) => { this.sent.set(1, n); this.report(); });
      this.sent.set(1, this.file.size);
      this.report();
      return;
    }
    const created = await this.request("POST", { uploads: "" });
    const uploadId = created.responseXML?.querySelector("UploadId")?.textContent
      || /<UploadId>([^<]+)<\/UploadId>/.exec(created.responseText)?.[1];
    if (!uploadId) throw new Error("S3 did not return an UploadId");
    const count = Math.ceil(this.file.size / PART_BYTES);
    const etags = new Array(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        const blob = this.file.slice(index * PART_BYTES, Math.min(this.file.size, (index + 1) * PART_BYTES));
        const done = await this.request("PUT", { partNumber: String(index + 1), uploadId }, blob, (n) => {
          this.sent.set(index + 1, n);
          this.report();
        });
        this.sent.set(index + 1, blob.size);
        etags[index] = done.getResponseHeader("ETag");
        if (!etags[index]) throw new Error("S3 hid the part's ETag (the bucket's CORS must expose ETag)");
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker));
    } catch (error) {
      await this.request("DELETE", { uploadId }).catch(() => {});
      throw error;
    }
    const parts = etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`);
    const xml = `<CompleteMultipartUpload>${parts.join("")}</CompleteMultipartUpload>`;
    const completed = await this.request("POST", { uploadId }, xml);
    if (/<Error>/.test(completed.responseText)) throw new Error(`S3 refused to complete: ${completed.responseText.slice(0, 200)}`);
    this.report();
  }
}
