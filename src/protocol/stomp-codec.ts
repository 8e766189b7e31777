/**
 * STOMP 1.0/1.1/1.2 frame codec (pure; runs in workerd, Node and browsers).
 *
 * Decoding is two steps because a client may pipeline frames behind CONNECT before the
 * version is known: `StompDecoder.push` splits bytes into raw frames (header text still
 * escaped), and `readFrame` unescapes the headers for the negotiated version once it is.
 */
import type { StompVersion } from "./stomp-version";

export interface StompLimits {
  /** Whole frame: command, headers, body and NUL. */
  maxFrameBytes: number;
  maxHeaders: number;
  /** One header line (name, colon, value), escaped as on the wire. */
  maxHeaderBytes: number;
}

/** 16 KiB is the JSON frame limit of SPEC section 4; a 2000-character message fits easily. */
export const DEFAULT_STOMP_LIMITS: StompLimits = { maxFrameBytes: 16 * 1024, maxHeaders: 32, maxHeaderBytes: 8 * 1024 };

/** The client-to-server and server-to-client heart-beat: one end of line. */
export const STOMP_HEARTBEAT = "\n";

export type StompErrorCode = "BAD_FRAME" | "TOO_LARGE";

/** A frame the peer sent cannot be read; the connection must get ERROR and be closed. */
export class StompProtocolError extends Error {
  constructor(
    readonly code: StompErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "StompProtocolError";
  }
}

/** A frame as split from the byte stream: header names and values still escaped. */
export interface RawStompFrame {
  command: string;
  headerLines: Array<[name: string, value: string]>;
  body: Uint8Array;
}

/** A decoded frame: the first occurrence of a repeated header wins (STOMP 1.2). */
export interface StompFrame {
  command: string;
  headers: Record<string, string>;
  body: string;
}

export interface OutgoingFrame {
  command: string;
  headers?: Record<string, string | undefined>;
  body?: string;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

function text(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new StompProtocolError("BAD_FRAME", `${what} is not valid UTF-8`);
  }
}

function toBytes(chunk: string | ArrayBuffer | Uint8Array): Uint8Array {
  if (typeof chunk === "string") return encoder.encode(chunk);
  return chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
}

/** Index of the end of the line starting at `from` (the LF), or -1 if not yet received. */
function lineEnd(buf: Uint8Array, from: number): number {
  return buf.indexOf(LF, from);
}

/** A line without its EOL; STOMP 1.2 allows CRLF, and we accept it from every version. */
function lineText(buf: Uint8Array, from: number, lf: number, what: string): string {
  const end = lf > from && buf[lf - 1] === CR ? lf - 1 : lf;
  return text(buf.subarray(from, end), what);
}

/**
 * Splits a byte stream into raw frames. Keeps an incomplete frame between pushes (a
 * WebSocket message may carry several frames or a part of one); EOLs between frames are
 * heart-beats and are skipped.
 */
export class StompDecoder {
  private buf: Uint8Array;

  constructor(
    private readonly limits: StompLimits = DEFAULT_STOMP_LIMITS,
    pending?: Uint8Array,
  ) {
    this.buf = pending ?? new Uint8Array(0);
  }

  /** Bytes of an incomplete frame (to keep across hibernation); empty when none. */
  get pending(): Uint8Array {
    return this.buf;
  }

  /** Throws StompProtocolError for a malformed or oversized frame. */
  push(chunk: string | ArrayBuffer | Uint8Array): RawStompFrame[] {
    const incoming = toBytes(chunk);
    if (this.buf.length === 0) this.buf = incoming;
    else {
      const joined = new Uint8Array(this.buf.length + incoming.length);
      joined.set(this.buf);
      joined.set(incoming, this.buf.length);
      this.buf = joined;
    }
    const frames: RawStompFrame[] = [];
    let pos = 0;
    for (;;) {
      pos = skipHeartBeats(this.buf, pos);
      if (pos >= this.buf.length) break;
      const result = this.frameAt(pos);
      if (result === null) break;
      frames.push(result.frame);
      pos = result.next;
    }
    this.buf = this.buf.slice(pos);
    return frames;
  }

  private frameAt(start: number): { frame: RawStompFrame; next: number } | null {
    const { buf, limits } = this;
    const tooLarge = (): never => {
      throw new StompProtocolError("TOO_LARGE", `frame exceeds ${limits.maxFrameBytes} bytes`);
    };
    const waitOrFail = (): null => {
      if (buf.length - start > limits.maxFrameBytes) tooLarge();
      return null;
    };
    const commandEnd = lineEnd(buf, start);
    if (commandEnd < 0) {
      // Fail early on what can never become a command (say, a JSON frame sent here).
      if (buf.subarray(start, start + 16).some((b) => (b < 0x41 || b > 0x5a) && b !== CR)) {
        throw new StompProtocolError("BAD_FRAME", "malformed command: not a STOMP frame");
      }
      return waitOrFail();
    }
    const command = lineText(buf, start, commandEnd, "command");
    if (!/^[A-Z]+$/.test(command)) throw new StompProtocolError("BAD_FRAME", `malformed command ${JSON.stringify(command.slice(0, 40))}`);

    const headerLines: Array<[string, string]> = [];
    let pos = commandEnd + 1;
    for (;;) {
      const lf = lineEnd(buf, pos);
      if (lf < 0) {
        if (buf.length - pos > limits.maxHeaderBytes) throw new StompProtocolError("TOO_LARGE", `a header line exceeds ${limits.maxHeaderBytes} bytes`);
        return waitOrFail();
      }
      if (lf - pos > limits.maxHeaderBytes + 1) throw new StompProtocolError("TOO_LARGE", `a header line exceeds ${limits.maxHeaderBytes} bytes`);
      const line = lineText(buf, pos, lf, "header");
      pos = lf + 1;
      if (line === "") break;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new StompProtocolError("BAD_FRAME", `malformed header line ${JSON.stringify(line.slice(0, 40))}`);
      if (headerLines.length >= limits.maxHeaders) throw new StompProtocolError("TOO_LARGE", `more than ${limits.maxHeaders} headers`);
      headerLines.push([line.slice(0, colon), line.slice(colon + 1)]);
    }

    const bodyStart = pos;
    const declared = headerLines.find(([name]) => name === "content-length");
    let bodyEnd: number;
    if (declared) {
      if (!/^\d{1,9}$/.test(declared[1])) throw new StompProtocolError("BAD_FRAME", `malformed content-length ${JSON.stringify(declared[1].slice(0, 20))}`);
      const length = Number(declared[1]);
      bodyEnd = bodyStart + length;
      // Known up front: refuse at once rather than buffering up to the limit first.
      if (bodyEnd + 1 - start > limits.maxFrameBytes) tooLarge();
      if (buf.length <= bodyEnd) return null;
      if (buf[bodyEnd] !== NUL) throw new StompProtocolError("BAD_FRAME", "frame body is longer than its content-length (no NUL after it)");
    } else {
      bodyEnd = buf.indexOf(NUL, bodyStart);
      if (bodyEnd < 0) return waitOrFail();
    }
    if (bodyEnd + 1 - start > limits.maxFrameBytes) tooLarge();
    return { frame: { command, headerLines, body: buf.slice(bodyStart, bodyEnd) }, next: bodyEnd + 1 };
  }
}

function skipHeartBeats(buf: Uint8Array, from: number): number {
  let pos = from;
  while (pos < buf.length) {
    if (buf[pos] === LF) pos++;
    else if (buf[pos] === CR && buf[pos + 1] === LF) pos += 2;
    else break;
  }
  return pos;
}

/** CONNECT and CONNECTED are never escaped, so that 1.0 peers can read them (STOMP 1.2). */
function escapes(command: string, version: StompVersion | null): "none" | "1.1" | "1.2" {
  if (version === null || version === "1.0" || command === "CONNECT" || command === "STOMP" || command === "CONNECTED") return "none";
  return version;
}

const UNESCAPE: Record<string, string> = { n: "\n", c: ":", "\\": "\\", r: "\r" };

function unescape(value: string, mode: "1.1" | "1.2"): string {
  return value.replace(/\\(.?)/gs, (_, ch: string) => {
    if (ch === "r" && mode === "1.1") ch = "";
    const plain = UNESCAPE[ch];
    if (plain === undefined) throw new StompProtocolError("BAD_FRAME", `undefined escape sequence \\${ch} in a header`);
    return plain;
  });
}

/** Unescapes headers for the negotiated version (null: not yet connected) and decodes the body. */
export function readFrame(raw: RawStompFrame, version: StompVersion | null): StompFrame {
  const mode = escapes(raw.command, version);
  const headers: Record<string, string> = Object.create(null);
  for (const [rawName, rawValue] of raw.headerLines) {
    const name = mode === "none" ? rawName : unescape(rawName, mode);
    const value = mode === "none" ? rawValue : unescape(rawValue, mode);
    if (!Object.hasOwn(headers, name)) headers[name] = value;
  }
  return { command: raw.command, headers, body: text(raw.body, "body") };
}

function escapeValue(value: string, mode: "none" | "1.1" | "1.2"): string {
  if (mode === "1.2") return value.replace(/[\\\r\n:]/g, (ch) => ({ "\\": "\\\\", "\r": "\\r", "\n": "\\n", ":": "\\c" })[ch]!);
  // 1.1 cannot express CR; unescaped modes cannot express line breaks at all.
  const noCr = value.replace(/\r/g, "");
  if (mode === "1.1") return noCr.replace(/[\\\n:]/g, (ch) => ({ "\\": "\\\\", "\n": "\\n", ":": "\\c" })[ch]!);
  return noCr.replace(/\n/g, " ");
}

/**
 * Serializes a frame for the negotiated version. `content-length` is always set from the
 * body's UTF-8 length (a caller's value is ignored) so that a NUL inside a body is safe.
 */
export function encodeFrame(frame: OutgoingFrame, version: StompVersion | null): string {
  const mode = escapes(frame.command, version);
  const body = frame.body ?? "";
  let out = `${frame.command}\n`;
  for (const [name, value] of Object.entries(frame.headers ?? {})) {
    if (value === undefined || name === "content-length") continue;
    out += `${escapeValue(name, mode === "none" ? "none" : mode)}:${escapeValue(value, mode)}\n`;
  }
  if (body !== "") out += `content-length:${encoder.encode(body).length}\n`;
  return `${out}\n${body}\0`;
}
