/**
 * SockJS framing for its WebSocket transport (sockjs-protocol 0.3.3), so that
 * `new SockJS('/ws/chat')` clients of the Spring system connect unchanged. Server to
 * client: `o` open, `h` heartbeat, `a[...]` messages, `c[code,"reason"]` close. Client to
 * server: a JSON array of strings (sockjs-client always sends one) or a single JSON string.
 */

export const SOCKJS_OPEN = "o";
export const SOCKJS_HEARTBEAT = "h";

/**
 * Characters that browsers and proxies are known to mangle on the wire (sockjs-node's
 * `escapable` list, as Spring's SockJsMessageCodec also uses): sent as \uXXXX escapes.
 * All surrogates are escaped too; JSON.parse on the client pairs them up again.
 */
const ESCAPABLE = /[\x00-\x1f\u200c-\u200f\u2028-\u202f\u2060-\u206f\ud800-\udfff\ufff0-\uffff]/g;

export function sockjsQuote(value: string): string {
  return JSON.stringify(value).replace(ESCAPABLE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** One `a` frame carrying the given messages in order. */
export function sockjsArrayFrame(messages: readonly string[]): string {
  return `a[${messages.map(sockjsQuote).join(",")}]`;
}

/**
 * The exact text sockjs-client sends for `data` when it holds no character the client
 * escapes beyond JSON (a STOMP heart-beat "\n" is `["\\n"]`): for exact-match uses such as
 * a Durable Object's WebSocket auto-response.
 */
export function sockjsClientFrame(data: string): string {
  return `[${JSON.stringify(data)}]`;
}

export function sockjsCloseFrame(code: number, reason: string): string {
  return `c[${code},${sockjsQuote(reason)}]`;
}

export type SockjsParsed = { ok: true; messages: string[] } | { ok: false; message: string };

/**
 * Parses what a SockJS client sent over the WebSocket. An empty message carries nothing
 * (sockjs-node ignores it); anything that is not a string or an array of strings is broken
 * framing, which SockJS servers answer by closing with 3000.
 */
export function parseSockjsMessage(data: string): SockjsParsed {
  if (data === "") return { ok: true, messages: [] };
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    return { ok: false, message: "broken framing: not JSON" };
  }
  if (typeof payload === "string") return { ok: true, messages: [payload] };
  if (Array.isArray(payload) && payload.every((m) => typeof m === "string")) return { ok: true, messages: payload as string[] };
  return { ok: false, message: "broken framing: expected a JSON string or an array of strings" };
}

/** The close code SockJS servers use for broken framing. */
export const SOCKJS_BROKEN_FRAMING = 3000;

export interface SockjsInfo {
  websocket: boolean;
  origins: string[];
  cookie_needed: boolean;
  entropy: number;
}

/**
 * The body of `GET {prefix}/info`. sockjs-client reads `websocket` (false would disable the
 * transport), may read `base_url`, and ignores the rest; `cookie_needed` is false because
 * no load balancer stickiness is needed (each session is one WebSocket).
 */
export function sockjsInfo(entropy: number = randomEntropy()): SockjsInfo {
  return { websocket: true, origins: ["*:*"], cookie_needed: false, entropy };
}

function randomEntropy(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

export interface SockjsPath {
  server: string;
  session: string;
  transport: string;
}

/**
 * Splits `/{server}/{session}/{transport}` (the part after the endpoint's prefix). SockJS
 * ids are non-empty and contain neither `/` nor `.` (sockjs-node's rule); null otherwise.
 */
export function parseSockjsPath(rest: string): SockjsPath | null {
  const match = /^\/([^/.]+)\/([^/.]+)\/([^/.]+)$/.exec(rest);
  if (!match) return null;
  return { server: match[1]!, session: match[2]!, transport: match[3]! };
}

/** Transports sockjs-client may try; only `websocket` is served (issue 16), the rest get 404. */
export const SOCKJS_WEBSOCKET_TRANSPORT = "websocket";

/** What a host needs of a WebSocket (workerd's and `ws`'s both fit). */
export interface TextSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * Output for a session carried by SockJS: each write becomes one `a` frame, a close is
 * announced with a `c` frame (that is what sockjs-client reports as the close code) before
 * the WebSocket itself closes.
 */
export function sockjsOutput(socket: TextSocket): { write(data: string): void; close(code: number, reason: string): void } {
  return {
    write: (data) => socket.send(sockjsArrayFrame([data])),
    close: (code, reason) => {
      socket.send(sockjsCloseFrame(code, reason));
      socket.close(code, reason);
    },
  };
}
