/**
 * The smallest Durable Object that shows how a close the object starts ends under workerd
 * (test/node/e2e/close-repro.e2e.test.ts runs it under `wrangler dev` and watches the TCP
 * connections of real `ws` clients). Nothing of the product is in it.
 *
 *   GET /ws?room=R[&plain=1]     connect (hibernatable by default; plain=1: ws.accept())
 *   GET /close?room=R[&release=1] close every socket of R with 4009 (release=1: then reset
 *                                 the object once the peers answered, as the room does)
 *   any frame                     answered with "echo <frame>"
 */
import { DurableObject } from "cloudflare:workers";

interface ReproEnv {
  REPRO: DurableObjectNamespace<CloseRepro>;
}

export class CloseRepro extends DurableObject<ReproEnv> {
  /** Sockets accepted with ws.accept() (the runtime does not track those for us). */
  private plain: WebSocket[] = [];

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/close") {
      const sockets = [...this.ctx.getWebSockets(), ...this.plain];
      this.plain = [];
      for (const ws of sockets) ws.close(4009, "closed by the object");
      if (url.searchParams.get("release") === "1") {
        this.ctx.waitUntil(
          new Promise<void>((resolve) =>
            setTimeout(() => {
              try {
                this.ctx.abort("release the closed sockets");
              } finally {
                resolve();
              }
            }, 200),
          ),
        );
      }
      return Response.json({ closed: sockets.length });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    if (url.searchParams.get("plain") === "1") {
      server.accept();
      server.addEventListener("message", (e) => server.send(`echo ${String(e.data)}`));
      this.plain.push(server);
    } else {
      this.ctx.acceptWebSocket(server);
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    ws.send(`echo ${String(message)}`);
  }

  override async webSocketClose(): Promise<void> {
    // Nothing: since compatibility date 2026-04-07 the runtime answers the peer's close
    // itself, and calling ws.close() here (as older code did) changes nothing either.
  }
}

export default {
  async fetch(request: Request, env: ReproEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    return env.REPRO.getByName(url.searchParams.get("room") ?? "r").fetch(request);
  },
};
