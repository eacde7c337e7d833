// The player: MP4 straight from a presigned URL, HLS through hls.js where Media Source Extensions
// exist (checked first: Chromium answers "maybe" to canPlayType(HLS) yet cannot play it natively),
// else Safari's native HLS. Codecs the browser lacks (H.265 in Chromium) are reported, not tried.

const CODEC_PROBES = {
  H264: 'video/mp4; codecs="avc1.42E01E"',
  H265: 'video/mp4; codecs="hvc1.1.6.L93.B0"',
};

export function codecSupport(codec) {
  const probe = CODEC_PROBES[String(codec || "").toUpperCase()];
  if (!probe) return { supported: true, reason: "" };
  const video = document.createElement("video");
  const mse = window.MediaSource?.isTypeSupported?.(probe) || false;
  const native = video.canPlayType(probe) !== "";
  if (mse || native) return { supported: true, reason: "" };
  const name = String(codec).toUpperCase() === "H265" ? "H.265 (HEVC)" : codec;
  return { supported: false, reason: `${name} is not supported by this browser` };
}

export class Player {
  constructor(video, status) {
    this.video = video;
    this.status = status;
    this.hls = null;
    this.state = { error: null, engine: null, src: null };
    video.addEventListener("error", () => {
      const error = video.error;
      if (error) this.fail(`media error ${error.code}: ${error.message || "the browser cannot play this"}`);
    });
    video.addEventListener("playing", () => this.say(`playing (${this.state.engine})`));
  }

  say(text) {
    this.status.textContent = text;
  }

  fail(text) {
    this.state.error = text;
    this.video.dataset.error = text;
    this.say(`Cannot play: ${text}`);
  }

  reset() {
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    this.video.removeAttribute("src");
    delete this.video.dataset.error;
    this.video.load();
    this.state = { error: null, engine: null, src: null };
  }

  // format: "m3u8" | "mp4" | ...; codec: "H264" | "H265" | undefined
  load(url, format, codec) {
    this.reset();
    const support = codecSupport(codec);
    if (!support.supported) {
      this.video.dataset.unsupported = support.reason;
      this.fail(support.reason);
      return false;
    }
    delete this.video.dataset.unsupported;
    this.state.src = url;
    if (format === "m3u8") {
      const Hls = window.Hls;
      if (Hls && Hls.isSupported()) {
        this.state.engine = `hls.js ${Hls.version}`;
        this.hls = new Hls({ enableWorker: true });
        this.hls.on(Hls.Events.ERROR, (_event, data) => {
          if (data.fatal) this.fail(`hls.js ${data.type}: ${data.details}`);
        });
        this.hls.loadSource(url);
        this.hls.attachMedia(this.video);
      } else if (this.video.canPlayType("application/vnd.apple.mpegurl")) {
        this.state.engine = "native HLS";
        this.video.src = url;
      } else {
        this.fail("HLS needs Media Source Extensions (hls.js) or a browser with native HLS");
        return false;
      }
    } else {
      this.state.engine = "native";
      this.video.src = url;
    }
    this.say(`loading (${this.state.engine})`);
    return true;
  }
}
