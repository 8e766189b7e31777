/**
 * The Worker's /ws/chat routes (SPEC section 12) in workerd: origins, the subprotocol in
 * the 101, SockJS info and refusals, the OpenAPI entries; and a STOMP session over the
 * socket the connection object accepted (CONNECT with the REST verifier, ERROR on a bad token).
 */
import { describe, expect, it } from "vitest";
import { api, apiJson, mintToken, people, testEnv } from "../support/api";

const listed: Env = { ...testEnv, ALLOWED_ORIGINS: "https://app.example" };
const upgradeHeaders = (extra: Record<string, string> = {}) => ({ Upgrade: "websocket", ...extra });

/** Collects the socket's text messages; `next()` waits for the following one. */
function reader(ws: WebSocket) {
  const got: string[] = [];
  let wake: (() => void) | null = null;
  let closed: { code: number } | null = null;
  ws.addEventListener("message", (e) => {
    got.push(String(e.data));
    wake?.();
  });
  ws.addEventListener("close", (e) => {
    closed = { code: e.code };
    wake?.();
  });
  return {
    async next(): Promise<string> {
      while (got.length === 0) {
        if (closed) throw new Error(`closed ${closed.code}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return got.shift()!;
    },
    async closed(): Promise<{ code: number }> {
      while (!closed) await new Promise<void>((r) => ((wake = r), setTimeout(r, 50)));
      return closed;
    },
  };
}

describe("/ws/chat", () => {
  it("answers the highest STOMP subprotocol offered in the 101, and CONNECT with a REST token gets CONNECTED", async () => {
    const res = await api("/ws/chat", { headers: upgradeHeaders({ "Sec-WebSocket-Protocol": "v10.stomp, v11.stomp, v12.stomp" }) });
    expect(res.status).toBe(101);
    expect(res.headers.get("Sec-WebSocket-Protocol")).toBe("v12.stomp");
    const ws = res.webSocket!;
    ws.accept();
    const r = reader(ws);
    ws.send(`CONNECT\naccept-version:1.2\nheart-beat:0,0\nAuthorization:Bearer ${await mintToken(people.student)}\n\n\0`);
    const connected = await r.next();
    expect(connected).toMatch(/^CONNECTED\nversion:1\.2\n/);
    expect(connected).toContain("user-name:STU001");
    ws.send("DISCONNECT\nreceipt:bye\n\n\0");
    expect(await r.next()).toContain("receipt-id:bye");
    await r.closed();
  });

  it("a bad token at CONNECT gets ERROR UNAUTHORIZED, then the close 4001", async () => {
    const res = await api("/ws/chat", { headers: upgradeHeaders({ "Sec-WebSocket-Protocol": "v12.stomp" }) });
    const ws = res.webSocket!;
    ws.accept();
    const r = reader(ws);
    ws.send("CONNECT\naccept-version:1.2\nAuthorization:Bearer nope\n\n\0");
    const error = await r.next();
    expect(error).toMatch(/^ERROR\n/);
    expect(error).toContain("code:UNAUTHORIZED");
    expect((await r.closed()).code).toBe(4001);
  });

  it("offers nothing: opens without a subprotocol (the version comes from CONNECT)", async () => {
    const res = await api("/ws/chat", { headers: upgradeHeaders() });
    expect(res.status).toBe(101);
    expect(res.headers.get("Sec-WebSocket-Protocol")).toBeNull();
    res.webSocket!.accept();
    res.webSocket!.close(1000);
  });

  it("checks the Origin like the other sockets: any while ALLOWED_ORIGINS is unset, else only listed ones", async () => {
    const open = await api("/ws/chat", { headers: upgradeHeaders({ Origin: "https://evil.example" }) });
    expect(open.status).toBe(101);
    open.webSocket!.accept();
    open.webSocket!.close(1000);
    for (const path of ["/ws/chat", "/ws/chat/000/abcdefgh/websocket", "/ws/chat/info"]) {
      const refused = await apiJson(path, { env: listed, headers: upgradeHeaders({ Origin: "https://evil.example" }) });
      expect(refused.status, path).toBe(403);
      expect(refused.body).toMatchObject({ code: "FORBIDDEN" });
    }
    const ok = await api("/ws/chat/000/abcdefgh/websocket", { env: listed, headers: upgradeHeaders({ Origin: "https://app.example" }) });
    expect(ok.status).toBe(101);
    const r = reader(ok.webSocket!);
    ok.webSocket!.accept();
    expect(await r.next()).toBe("o");
    ok.webSocket!.close(1000);
    const info = await api("/ws/chat/info", { env: listed, headers: { Origin: "https://app.example" } });
    expect(info.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(await info.json()).toMatchObject({ websocket: true });
  });

  it("refuses what is not an upgrade (426) and every SockJS transport but websocket (404), with JSON", async () => {
    expect((await apiJson("/ws/chat")).status).toBe(426);
    expect((await apiJson("/ws/chat/000/abcdefgh/websocket")).status).toBe(426);
    for (const [method, path] of [["POST", "/ws/chat/000/abcdefgh/xhr"], ["POST", "/ws/chat/000/abcdefgh/xhr_streaming"], ["GET", "/ws/chat/000/abcdefgh/eventsource"], ["GET", "/ws/chat/iframe.html"], ["GET", "/ws/chat/000/ab.c/websocket"], ["GET", "/ws/chat/000/abc/websocket/x"]]) {
      const res = await apiJson(path!, { method, headers: upgradeHeaders() });
      expect(res.status, path).toBe(404);
      expect(res.body).toMatchObject({ code: "NOT_FOUND", error: expect.stringContaining("websocket") });
    }
  });

  it("is in /openapi.json", async () => {
    const { body } = await apiJson("/openapi.json");
    for (const path of ["/ws/chat", "/ws/chat/info", "/ws/chat/{server}/{session}/{transport}"]) expect(body.paths[path]?.get, path).toBeDefined();
  });
});
