import { DurableObject } from "cloudflare:workers";

/**
 * The eviction probe's Worker: `GET /wake?n=N&prefix=P` wakes N objects of their own
 * (each opens its SQLite and writes one row, as an inbox or a push object woken by a
 * notice does), then `GET /ping` answers at once. workerd evicts an object after 10 s
 * without events; the probe times pings meanwhile, so a stall when the N objects go
 * shows as slow pings about 10 s after the wake.
 */

interface Env {
  OBJECT: DurableObjectNamespace<ProbeObject>;
}

export class ProbeObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS marks (k TEXT PRIMARY KEY, at INTEGER NOT NULL)");
  }

  override async fetch(): Promise<Response> {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO marks VALUES ('woken', ?)", Date.now());
    return new Response("ok");
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/wake") {
      const n = Number(url.searchParams.get("n") ?? 0);
      const prefix = url.searchParams.get("prefix") ?? "o";
      await Promise.all(Array.from({ length: n }, (_, i) => env.OBJECT.getByName(`${prefix}-${i}`).fetch("http://object/")));
      return new Response(`woke ${n}`);
    }
    return new Response("pong");
  },
} satisfies ExportedHandler<Env>;
