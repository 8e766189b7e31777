import { randomUUID } from "node:crypto";
import { build } from "esbuild";
import { ChatSocket } from "../../node/support/ws-client";
import { CONTEXT_DEFAULTS, check, checkEqual, type Scenario, type World } from "../support/harness";

const root = new URL("../../..", import.meta.url).pathname;

/** sockjs-client and @stomp/stompjs as published, bundled for the page (globals SockJS and Stomp, as the Spring app had them). */
async function clientBundle(): Promise<string> {
  const out = await build({
    stdin: { contents: `import SockJS from "sockjs-client"; import { Stomp } from "@stomp/stompjs"; Object.assign(window, { SockJS, Stomp });`, resolveDir: root, loader: "js" },
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    define: { global: "globalThis" },
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

/**
 * The seed's "WebSocket API" CONNECT snippet, unchanged, as a script of the service's own
 * origin (served by this test through request interception, so the page's CSP lets it
 * run); `jwtToken` and `displayMessage` are the page's, as they were in the Spring app.
 */
function seedScript(token: string): string {
  return `const jwtToken = ${JSON.stringify(token)};
window.__got = [];
function displayMessage(chatMessage) { window.__got.push(chatMessage); }

const socket = new SockJS('/ws/chat');
const stompClient = Stomp.over(socket);

stompClient.connect({
    'Authorization': 'Bearer ' + jwtToken
}, function(frame) {
    console.log('Connected: ' + frame);
    
    // Personal Queue 구독
    stompClient.subscribe('/user/queue/chat', function(message) {
        const chatMessage = JSON.parse(message.body);
        displayMessage(chatMessage);
    });
});
`;
}

async function api(world: World, path: string, token: string | null, body?: unknown): Promise<any> {
  const res = await fetch(`${world.baseUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  check(res.ok, `${path}: ${res.status} ${await res.clone().text()}`);
  return res.json();
}

const demoToken = async (world: World, userCode: string) => (await api(world, "/api/dev/sign-in", null, { userCode })).token as string;

/**
 * SPEC section 12 in Chromium: the Spring system's browser code (sockjs-client + stompjs)
 * talks to the service over the SockJS WebSocket transport; one message each way with a
 * JSON-frame client of the other participant, the same id and seq on both sides.
 */
export const stompClients: Scenario = {
  name: "STOMP: the seed's SockJS + stompjs browser snippet, one message each way",
  async run(world) {
    const [student, professor] = [await demoToken(world, "STU001"), await demoToken(world, "PROF001")];
    const created = await api(world, "/api/consultations", student, { recipientUserCode: "PROF001", recipientName: "김교수", title: "STOMP 브라우저" });
    const id = created.requestIdx as number;
    await api(world, `/api/consultations/${id}/approve`, professor, {});

    // bypassCSP: the test reads the snippet's globals with string evaluations, which the
    // service's CSP (no 'unsafe-eval') would refuse; the snippet itself needs no exception.
    const context = await world.browser.newContext({ ...CONTEXT_DEFAULTS, baseURL: world.baseUrl, bypassCSP: true });
    const logs: string[] = [];
    try {
      const bundle = await clientBundle();
      await context.route(`${world.baseUrl}/__stomp-seed/clients.js`, (route) => route.fulfill({ contentType: "text/javascript", body: bundle }));
      await context.route(`${world.baseUrl}/__stomp-seed/seed.js`, (route) => route.fulfill({ contentType: "text/javascript", body: seedScript(student) }));
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      page.on("console", (m) => logs.push(m.text()));
      page.on("pageerror", (e) => logs.push(`page error: ${e.message}`));
      // A document the service itself serves (a page fulfilled by the test would count as
      // another network to Chromium's local network checks), then the two scripts.
      await page.goto("/health");
      await page.addScriptTag({ url: "/__stomp-seed/clients.js" });
      await page.addScriptTag({ url: "/__stomp-seed/seed.js" });
      await page.waitForFunction("stompClient.connected").catch((e: Error) => {
        throw new Error(`${e.message}\n  page logs: ${logs.join(" | ")}`);
      });
      check(logs.some((l) => l.startsWith("Connected: CONNECTED")), `no "Connected:" log; logs: ${logs.join(" | ")}`);
      checkEqual(await page.evaluate("socket.transport"), "websocket", "SockJS transport");

      const other = await ChatSocket.open(`${world.baseUrl.replace("http", "ws")}/api/chat/ws/${id}`, { Authorization: `Bearer ${professor}` });
      await other.next("ready");
      other.send({ type: "sync", afterSeq: 0 });
      await other.next("history");

      // The seed's SEND snippet, for this consultation.
      await page.evaluate(`stompClient.send("/app/chat.send", {}, JSON.stringify({
    'requestIdx': ${id},
    'content': '안녕하세요'
}));`);
      const sent = await other.next((f) => f.type === "message" && f.message.sender === "STU001");
      checkEqual([sent.message.content, sent.message.senderName], ["안녕하세요", "홍길동"], "the page's message at the JSON client");
      await page.waitForFunction((mid) => (window as any).__got.some((m: any) => m.id === mid), sent.message.id);

      other.send({ type: "send", clientMsgId: randomUUID(), content: "반갑습니다" });
      const ack = await other.next("ack");
      await page.waitForFunction((mid) => (window as any).__got.some((m: any) => m.id === mid), ack.id);
      const got = (await page.evaluate(`window.__got.filter((m) => m.requestIdx === ${id})`)) as Array<{ seq: number; content: string; sender: string }>;
      const mine = got.find((m) => m.content === "안녕하세요")!;
      const theirs = got.find((m) => m.content === "반갑습니다")!;
      checkEqual([mine.seq, theirs.seq, theirs.sender], [sent.message.seq, ack.seq, "PROF001"], "seqs as stored, on both sides");
      checkEqual(got.map((m) => m.seq), [...got.map((m) => m.seq)].sort((a, b) => a - b), "room order in the page");
      check(!logs.some((l) => l.startsWith("page error")), `page errors: ${logs.join(" | ")}`);
      other.close();
      await page.evaluate("stompClient.disconnect()");
    } finally {
      await context.close();
    }
  },
};
