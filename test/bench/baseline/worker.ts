import { DurableObject } from "cloudflare:workers";

/**
 * The benchmark's baseline: the least a chat room on Workers must do, so the product's
 * figures can be read as ratios against it. Same URL shape and frames as the product
 * (SPEC section 4), same hibernation API, one SQLite insert per message with a seq, an ack
 * to the sender and a broadcast to every socket. Deliberately absent: authentication (the
 * user is read from the token without checking it), validation, de-duplication, rate
 * limits, the consultation lifecycle.
 */

interface Env {
  ROOM: DurableObjectNamespace<BaselineRoom>;
  /**
   * A measuring instrument, 0 by default: this many extra one-row SELECTs per message,
   * so `npm run bench -- --baseline-extra-sql N` prices a SQLite statement in a message's
   * cost (the product runs about a dozen per message).
   */
  EXTRA_SQL?: string;
}

interface Sender {
  userCode: string;
  name: string;
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** The token's claims without verification: the baseline only needs a name to print. */
function senderFrom(request: Request): Sender {
  const token = request.headers.get("authorization")?.replace(/^Bearer\s+/i, "") ?? "";
  try {
    const claims = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as {
      sub?: string;
      name?: string;
    };
    return { userCode: claims.sub ?? "anonymous", name: claims.name ?? "anonymous" };
  } catch {
    return { userCode: "anonymous", name: "anonymous" };
  }
}

export class BaselineRoom extends DurableObject<Env> {
  /** Rebuilt from SQLite after a wake, so hibernation loses nothing. */
  private lastSeq: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    this.extraSql = Number(env.EXTRA_SQL ?? 0) || 0;
    if (this.extraSql) {
      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      ctx.storage.sql.exec("INSERT OR IGNORE INTO meta VALUES ('k', 'v')");
    }
  }

  private readonly extraSql: number;

  private currentSeq(): number {
    this.lastSeq ??= this.ctx.storage.sql.exec<{ s: number }>("SELECT coalesce(max(seq), 0) AS s FROM messages").one().s;
    return this.lastSeq;
  }

  override async fetch(request: Request): Promise<Response> {
    const requestIdx = Number(new URL(request.url).pathname.split("/").pop());
    const sender = senderFrom(request);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ ...sender, requestIdx });
    server.send(
      JSON.stringify({ type: "ready", requestIdx, status: "IN_PROGRESS", lastSeq: this.currentSeq(), you: sender }),
    );
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The stored message JSON texts after `afterSeq`, in seq order. */
  messagesAfter(afterSeq: number): string[] {
    return this.ctx.storage.sql
      .exec<{ body: string }>("SELECT body FROM messages WHERE seq > ? ORDER BY seq", afterSeq)
      .toArray()
      .map((row) => row.body);
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    const frame = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data)) as {
      type?: string;
      clientMsgId?: string;
      content?: string;
    };
    if (frame.type === "ping") return ws.send(JSON.stringify({ type: "pong" }));
    if (frame.type !== "send") return;
    const who = ws.deserializeAttachment() as Sender & { requestIdx: number };
    for (let i = 0; i < this.extraSql; i++) this.ctx.storage.sql.exec("SELECT value FROM meta WHERE key = ?", "k").toArray();
    const seq = this.currentSeq() + 1;
    const message = {
      id: crypto.randomUUID(),
      seq,
      requestIdx: who.requestIdx,
      sender: who.userCode,
      senderName: who.name,
      type: "NORMAL",
      content: frame.content ?? "",
      sentAt: new Date().toISOString(),
      clientMsgId: frame.clientMsgId ?? null,
    };
    this.ctx.storage.sql.exec("INSERT INTO messages (seq, body) VALUES (?, ?)", seq, JSON.stringify(message));
    this.lastSeq = seq;
    ws.send(JSON.stringify({ type: "ack", clientMsgId: message.clientMsgId, id: message.id, seq }));
    const broadcast = JSON.stringify({ type: "message", message });
    for (const socket of this.ctx.getWebSockets()) {
      if (socket.readyState === WebSocket.OPEN) socket.send(broadcast);
    }
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    ws.close(code === 1005 ? 1000 : code);
  }
}

export default {
  async fetch(request, env): Promise<Response> {
    const { pathname, searchParams } = new URL(request.url);
    if (pathname === "/health") return json({ ok: true });
    const ws = pathname.match(/^\/api\/chat\/ws\/(\d+)$/);
    if (ws) {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return json({ error: "upgrade", code: "VALIDATION" }, 426);
      return env.ROOM.getByName(ws[1]!).fetch(request);
    }
    const messages = pathname.match(/^\/api\/chat\/messages\/(\d+)$/);
    if (messages) {
      const bodies = await env.ROOM.getByName(messages[1]!).messagesAfter(Number(searchParams.get("afterSeq") ?? 0));
      return new Response(
        `{"requestIdx":${Number(messages[1])},"messageCount":${bodies.length},"messages":[${bodies.join(",")}]}`,
        { headers: { "content-type": "application/json" } },
      );
    }
    return json({ error: "not found", code: "NOT_FOUND" }, 404);
  },
} satisfies ExportedHandler<Env>;
