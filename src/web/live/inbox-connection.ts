import ReconnectingWebSocket from "partysocket/ws";
import { ApiFailure, api } from "../api";
import type { InboxServerFrame } from "../../protocol/inbox-frames";
import { InboxStore } from "./inbox-store";

export type LiveStatus = "connecting" | "online" | "offline" | "closed";
export type InboxListener = (frame: InboxServerFrame, store: InboxStore) => void;

const HEARTBEAT_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;
/** The slow refresh views do while (and only while) the socket is down. */
export const FALLBACK_REFRESH_MS = 30_000;
/** Closes and ticket refusals that another attempt cannot fix (token expired or refused). */
const FINAL_CLOSES = new Set([4001]);
const FATAL_STATUSES = new Set([401, 403]);

/**
 * The tab's one inbox socket (SPEC section 9), shared by every view. Reconnects like the
 * chat (partysocket, exponential backoff with jitter, a fresh single-use ticket per
 * attempt); each connect starts with `ready`, so nothing depends on frames missed while
 * away. Views subscribe to frames and to the connection status, and may register a
 * fallback refresh that runs only while the socket is down: the app never polls while live.
 */
export class InboxConnection {
  readonly store = new InboxStore();
  private readonly socket: ReconnectingWebSocket;
  private readonly listeners = new Set<InboxListener>();
  private readonly statusListeners = new Set<(status: LiveStatus) => void>();
  private readonly fallbacks = new Set<() => void>();
  private fallbackTimer: ReturnType<typeof setInterval> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private fatal = false;
  status: LiveStatus = "connecting";

  constructor() {
    this.socket = new ReconnectingWebSocket(() => this.nextUrl(), undefined, {
      minReconnectionDelay: 500,
      maxReconnectionDelay: 10_000,
      reconnectionDelayGrowFactor: 1.7,
      connectionTimeout: 8_000,
      maxEnqueuedMessages: 0,
      shouldReconnectOnClose: (e) => !FINAL_CLOSES.has(e.code),
    });
    this.socket.addEventListener("message", (e) => this.onFrame(e.data as string));
    this.socket.addEventListener("close", (e) => this.down(FINAL_CLOSES.has(e.code) ? "closed" : navigator.onLine ? "connecting" : "offline"));
    this.socket.addEventListener("error", () => this.down(this.fatal ? "closed" : navigator.onLine ? "connecting" : "offline"));
    window.addEventListener("online", this.onOnline);
    this.armFallback();
  }

  /** Frames as they arrive (after the store applied them). Returns the unsubscribe. */
  subscribe(listener: InboxListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    listener(this.status);
    return () => this.statusListeners.delete(listener);
  }

  /** `refresh` runs every FALLBACK_REFRESH_MS while the socket is down. Returns the unregister. */
  whileDown(refresh: () => void): () => void {
    this.fallbacks.add(refresh);
    return () => this.fallbacks.delete(refresh);
  }

  close(): void {
    this.fatal = true;
    window.removeEventListener("online", this.onOnline);
    clearInterval(this.fallbackTimer);
    this.stopHeartbeat();
    this.socket.close(1000, "signed out");
    this.setStatus("closed");
  }

  private async nextUrl(): Promise<string> {
    if (this.socket.retryCount > 1) await new Promise((r) => setTimeout(r, Math.random() * Math.min(3_000, 250 * 2 ** this.socket.retryCount)));
    try {
      const { ticket } = await api<{ ticket: string }>("POST", "/api/inbox/ticket");
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      return `${scheme}//${location.host}/api/inbox/ws?ticket=${encodeURIComponent(ticket)}`;
    } catch (e) {
      if (e instanceof ApiFailure && FATAL_STATUSES.has(e.status)) {
        this.fatal = true;
        this.socket.close();
      }
      throw e;
    }
  }

  private onFrame(data: string): void {
    let frame: InboxServerFrame;
    try {
      frame = JSON.parse(data) as InboxServerFrame;
    } catch {
      return;
    }
    if (frame.type === "pong") return clearTimeout(this.pongTimer);
    if (!this.store.apply(frame)) return;
    if (frame.type === "ready") {
      this.setStatus("online");
      this.startHeartbeat();
    }
    for (const listener of this.listeners) listener(frame, this.store);
  }

  private down(status: LiveStatus): void {
    this.store.ready = false;
    this.stopHeartbeat();
    this.setStatus(status);
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.status) return;
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }

  private armFallback(): void {
    this.fallbackTimer = setInterval(() => {
      if (this.status !== "online" && document.visibilityState === "visible") for (const refresh of this.fallbacks) refresh();
    }, FALLBACK_REFRESH_MS);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    // A half-open socket never errors: a ping without a pong forces a reconnect (and a fresh `ready`).
    this.heartbeat = setInterval(() => {
      if (this.socket.readyState === WebSocket.OPEN) this.socket.send('{"type":"ping"}');
      this.pongTimer = setTimeout(() => this.socket.reconnect(4000, "no pong"), PONG_TIMEOUT_MS);
    }, HEARTBEAT_MS);
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.pongTimer);
  }

  private readonly onOnline = () => {
    if (!this.fatal && this.status !== "online") this.socket.reconnect(4000, "online");
  };
}
