/**
 * The REST and socket side of an end-to-end test against `wrangler dev` (dev-server.ts):
 * tokens signed with the server's JWT_SECRET, JSON calls, a SCHEDULED room, and sockets
 * that waited for `ready`.
 */
import { SignJWT } from "jose";
import { expect } from "vitest";
import type { DevServer } from "./dev-server";
import { ChatSocket } from "./ws-client";

export type Person = { sub: string; name: string; role: string };

export class E2eApi {
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly server: () => DevServer,
    private readonly secret: string,
  ) {}

  async tokenFor(p: Person): Promise<string> {
    let t = this.tokens.get(p.sub);
    if (!t) {
      t = await new SignJWT({ name: p.name, role: p.role })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(p.sub)
        .setIssuedAt()
        .setExpirationTime("1h")
        .sign(new TextEncoder().encode(this.secret));
      this.tokens.set(p.sub, t);
    }
    return t;
  }

  /** A JSON call (a text body, such as a transcript, comes back as the string). */
  async rest(path: string, as: Person | null, method = "GET", body?: unknown): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    if (as) headers.Authorization = `Bearer ${await this.tokenFor(as)}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${this.server().url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  }

  /** A requester's consultation with `recipient`, approved: SCHEDULED, the first message starts it. */
  async scheduledRoom(requester: Person, recipient: Person): Promise<number> {
    const created = await this.rest("/api/consultations", requester, "POST", { recipientUserCode: recipient.sub, title: "수업 관련 질문" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.requestIdx as number;
    expect((await this.rest(`/api/consultations/${id}/approve`, recipient, "POST", {})).status).toBe(200);
    return id;
  }

  /** A socket (Bearer token) that has received its `ready`. */
  async open(id: number, p: Person): Promise<ChatSocket> {
    const url = `${this.server().url.replace("http", "ws")}/api/chat/ws/${id}`;
    const socket = await ChatSocket.open(url, { Authorization: `Bearer ${await this.tokenFor(p)}` });
    await socket.next("ready");
    return socket;
  }
}
