/**
 * The Worker's /ws/chat routes (SPEC section 12) in workerd: origins, the subprotocol in
 * the 101, SockJS info and refusals, the OpenAPI entries; and a STOMP session over the
 * socket the connection object accepted (CONNECT with the REST verifier, ERROR on a bad token).
 */
import { describe, expect, it } from "vitest";
import { api, apiJson, people, testEnv } from "../support/api";
import { StompSocket } from "../support/stomp-socket";

const listed: Env = { ...testEnv, ALLOWED_ORIGINS: "https://app.example" };
const upgradeHeaders = (extra: Record<string, string> = {}) => ({ Upgrade: "websocket", ...extra });

describe("/ws/chat", () => {
  it("answers the highest STOMP subprotocol offered in the 101, and CONNECT with a REST token gets CONNECTED", async () => {
    const res = await api("/ws/chat", { headers: upgradeHeaders({ "Sec-WebSocket-Protocol": "v10.stomp, v11.stomp, v12.stomp" }) });
    expect(res.status).toBe(101);
    expect(res.headers.get("Sec-WebSocket-Protocol")).toBe("v12.stomp");
    res.webSocket!.accept();
    res.webSocket!.close(1000);
    const { socket, connected } = await StompSocket.connected(people.student);
    expect(connected.headers).toMatchObject({ version: "1.2", "user-name": "STU001", "heart-beat": "10000,10000" });
    socket.send("DISCONNECT\nreceipt:bye\n\n\0");
    expect((await socket.next()).headers["receipt-id"]).toBe("bye");
    await socket.closed();
  });

  it("a bad token at CONNECT gets ERROR UNAUTHORIZED, then the close 4001; an admin gets FORBIDDEN", async () => {
    const socket = await StompSocket.open();
    socket.send("CONNECT\naccept-version:1.2\nAuthorization:Bearer nope\n\n\0");
    const error = await socket.next();
    expect(error.command).toBe("ERROR");
    expect(error.headers.code).toBe("UNAUTHORIZED");
    expect((await socket.closed()).code).toBe(4001);
    await expect(StompSocket.connected(people.admin)).rejects.toThrow(/^ERROR: Admins/);
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
    const first = new Promise<string>((r) => ok.webSocket!.addEventListener("message", (e) => r(String(e.data))));
    ok.webSocket!.accept();
    expect(await first).toBe("o");
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
