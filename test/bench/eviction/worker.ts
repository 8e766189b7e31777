import { DurableObject } from "cloudflare:workers";

/**
 * The eviction probe's Worker: `GET /wake?n=N&prefix=P&storage=MODE` wakes N objects of
 * their own (`write`: each creates a table and writes one row, as an inbox or a push
 * object woken by a notice does; `read`: one query; `none`: no storage at all), then
 * `GET /ping` answers at once. workerd evicts an object after 10 s
 * without events; the probe times pings meanwhile, so a stall when the N objects go
 * shows as slow pings about 10 s after the wake.
 */

interface Env {
  OBJECT: DurableObjectNamespace<ProbeObject>;
}

export class ProbeObject extends DurableObject<Env> {
  override async fetch(request: Request): Promise<Response> {
    const mode = new URL(request.url).searchParams.get("storage");
    if (mode === "none") return new Response("ok");
    if (mode === "read") {
      this.ctx.storage.sql.exec("SELECT name FROM sqlite_master").toArray();
      return new Response("ok");
    }
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS marks (k TEXT PRIMARY KEY, at INTEGER NOT NULL)");
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
      const storage = url.searchParams.get("storage") ?? "write";
      await Promise.all(Array.from({ length: n }, (_, i) => env.OBJECT.getByName(`${prefix}-${i}`).fetch(`http://object/?storage=${storage}`)));
      return new Response(`woke ${n}`);
    }
    return new Response("pong");
  },
} satisfies ExportedHandler<Env>;
