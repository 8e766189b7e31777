import type { User } from "../domain/types";
import { ApiError } from "../domain/errors";
import { CLOSE } from "../protocol/close-codes";
import type { ServerFrame } from "../protocol/frames";
import { CONNECT_GRANT_HEADER, decodeConnectGrant, type ConnectGrant } from "../protocol/room-connect";
import type { AlarmScheduler } from "./alarm-scheduler";
import { connectRefusal } from "./connection-caps";
import type { ServerCloser } from "./server-close";
import { attach, attachmentOf, broadcast, earliestExpiryMs, openSockets, sendFrame, userTag } from "./sockets";

/**
 * The room's WebSockets on the hibernation API: accepting the Worker's connect, sending,
 * closing, and the "token-expiry" deadline (SPEC section 4: a token that expires while
 * connected closes its socket with 4001), and the socket caps (connection-caps.ts). Closes
 * the room starts go through ServerCloser (server-close.ts). Everything a socket needs
 * after a wake is in its attachment and tag (see sockets.ts), so this keeps nothing in memory.
 */
export class Connections {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly scheduler: AlarmScheduler,
    private readonly closer: ServerCloser,
  ) {
    scheduler.on("token-expiry", () => this.closeExpired());
  }

  /**
   * The Worker's connect (`/api/chat/ws` after it verified the caller): accepts the socket
   * for the grant's user; `ready` builds the first frame once the room knows the grant.
   */
  async accept(request: Request, ready: (grant: ConnectGrant) => ServerFrame): Promise<Response> {
    const grantHeader = request.headers.get(CONNECT_GRANT_HEADER);
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !grantHeader) {
      return Response.json({ error: "Expected a WebSocket connect from the Worker", code: "VALIDATION" }, { status: 400 });
    }
    const grant = decodeConnectGrant(grantHeader);
    // Before acceptWebSocket and with no await in between, so racing connects cannot both
    // take the last place.
    const refusal = connectRefusal(this.ctx, grant.user.userCode);
    if (refusal) return refusalResponse(refusal);
    const frame = ready(grant);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [userTag(grant.user.userCode)]);
    attach(server, { user: grant.user });
    sendFrame(server, frame);
    if (grant.user.exp !== null) await this.armTokenExpiry();
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The verified user of a socket (null for a socket this room did not accept). */
  userOf(ws: WebSocket): User | null {
    return attachmentOf(ws)?.user ?? null;
  }

  /** Every open socket, or one user's. */
  open(userCode?: string): WebSocket[] {
    return openSockets(this.ctx, userCode === undefined ? undefined : userTag(userCode));
  }

  broadcast(frame: ServerFrame, sockets: readonly WebSocket[] = this.open()): void {
    broadcast(sockets, frame);
  }

  /** Closes every open socket (or one user's) now, then releases the connections. */
  closeAll(code: number, reason: string, userCode?: string): void {
    this.closer.close(this.open(userCode), code, reason);
  }

  /** Closes after a `status` frame: once the frames on their way have their answers. */
  closeAfterGrace(code: number, reason: string, userCode?: string): void {
    void this.closer.closeAfterGrace(() => this.open(userCode), code, reason);
  }

  /** A socket closed: complete the handshake, then re-point the token-expiry deadline. */
  async closed(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Without the reply a hibernatable socket's peer waits for its own timeout (seen under
    // wrangler dev). Harmless where the runtime already replied.
    try {
      // Echo the peer's code when it may be sent; 1005/1006/1015 and the like may not.
      ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason);
    } catch {
      // already closed
    }
    // The token-expiry deadline may point at the socket that just left.
    await this.armTokenExpiry();
  }

  async errored(error: unknown): Promise<void> {
    console.warn("room socket error", error);
    await this.armTokenExpiry();
  }

  /** Points the "token-expiry" deadline at the earliest token expiry among open sockets. */
  private async armTokenExpiry(): Promise<void> {
    const next = earliestExpiryMs(this.open());
    if (next === null) await this.scheduler.cancel("token-expiry");
    else await this.scheduler.schedule("token-expiry", next);
  }

  private async closeExpired(nowMs = Date.now()): Promise<void> {
    const expired = this.open().filter((ws) => {
      const exp = attachmentOf(ws)?.user.exp;
      return exp !== null && exp !== undefined && exp * 1000 <= nowMs;
    });
    // At once, no grace: an expired token must not post any more.
    this.closer.close(expired, CLOSE.TOKEN_EXPIRED, "Token expired");
    await this.armTokenExpiry();
  }
}

/** The Worker passes the room's refusal on as it is: SPEC's `{error, code}` body. */
function refusalResponse(err: ApiError): Response {
  return Response.json({ error: err.message, code: err.code }, { status: err.status });
}
