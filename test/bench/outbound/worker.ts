import { DurableObject } from "cloudflare:workers";
import type { ChatMessage } from "../../../src/domain/types";
import { roomKey, UpstashMessageStore } from "../../../src/stores/message-store/upstash";

/**
 * The outbound probe's Worker (probe.ts, `npm run bench:outbound`): one Durable Object
 * that makes `n` requests in a row to an Upstash REST endpoint, each either a bare `fetch`
 * of one RPUSH or the product's own `UpstashMessageStore.append` of one message (the
 * request a room makes per stored batch on the production stack).
 */

interface Env {
  REQUESTER: DurableObjectNamespace<Requester>;
  UPSTASH_URL: string;
  UPSTASH_TOKEN: string;
}

export type Mode = "fetch" | "append";

export class Requester extends DurableObject<Env> {
  async run(mode: Mode, n: number): Promise<{ ms: number }> {
    const { UPSTASH_URL: url, UPSTASH_TOKEN: token } = this.env;
    const store = new UpstashMessageStore({ url, token, ttlHours: 1 });
    const room = 1 + Math.floor(Math.random() * 1e9);
    const started = Date.now();
    for (let seq = 1; seq <= n; seq++) {
      const message: ChatMessage = {
        id: crypto.randomUUID(), seq, requestIdx: room, sender: "probe", senderName: "Probe", type: "NORMAL",
        content: "a message of about the benchmark's size", sentAt: new Date().toISOString(), clientMsgId: `c-${seq}`,
      };
      if (mode === "append") {
        await store.append(room, [message]);
      } else {
        const res = await fetch(`${url}/pipeline`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify([["RPUSH", roomKey(room), JSON.stringify(message)]]),
        });
        if (!res.ok) throw new Error(`Upstash answered ${res.status}`);
        await res.text();
      }
    }
    const ms = Date.now() - started;
    await store.clear(room);
    return { ms };
  }
}

export default {
  async fetch(request, env): Promise<Response> {
    const { pathname, searchParams } = new URL(request.url);
    if (pathname === "/health") return Response.json({ ok: true });
    if (pathname !== "/run") return new Response("not found", { status: 404 });
    const mode = searchParams.get("mode") === "append" ? "append" : "fetch";
    const n = Math.max(1, Math.min(10_000, Number(searchParams.get("n")) || 1_000));
    return Response.json(await env.REQUESTER.getByName("probe").run(mode, n));
  },
} satisfies ExportedHandler<Env>;
