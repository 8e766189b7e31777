/**
 * What the end-to-end suites need to act as users of one `wrangler dev` server: tokens,
 * REST calls, a consultation to chat in, sockets (test/node/support/ws-client.ts).
 */
import { SignJWT } from "jose";
import { expect } from "vitest";
import type { DevServer } from "./dev-server";
import { ChatSocket } from "./ws-client";

export type Person = { sub: string; name: string; role: string };

export interface RestAnswer {
  status: number;
  body: any;
  res: Response;
}

export function chatE2e(server: () => DevServer, secret: string) {
  const tokens = new Map<string, string>();

  /** A token for `p` (cached) or, with `expiresAt` (s since the epoch), a fresh one that expires then. */
  async function tokenFor(p: Person, expiresAt?: number): Promise<string> {
    const cached = expiresAt === undefined ? tokens.get(p.sub) : undefined;
    if (cached) return cached;
    const token = await new SignJWT({ name: p.name, role: p.role })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(p.sub)
      .setIssuedAt()
      .setExpirationTime(expiresAt ?? "1h")
      .sign(new TextEncoder().encode(secret));
    if (expiresAt === undefined) tokens.set(p.sub, token);
    return token;
  }

  async function rest(path: string, as: Person | null, method = "GET", body?: unknown): Promise<RestAnswer> {
    const headers: Record<string, string> = {};
    if (as) headers.Authorization = `Bearer ${await tokenFor(as)}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${server().url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.clone().text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // text body
    }
    return { status: res.status, body: parsed, res };
  }

  /** `student`'s consultation with `professor`, SCHEDULED (the first message starts it). */
  async function scheduledRoom(student: Person, professor: Person): Promise<number> {
    const created = await rest("/api/consultations", student, "POST", { recipientUserCode: professor.sub, recipientName: professor.name, title: "수업 관련 질문" });
    expect(created.status).toBe(201);
    const id = created.body.requestIdx as number;
    expect((await rest(`/api/consultations/${id}/approve`, professor, "POST", {})).status).toBe(200);
    return id;
  }

  const wsUrl = (id: number) => `${server().url.replace("http", "ws")}/api/chat/ws/${id}`;

  /** A socket of `p` (bearer token; `token` overrides it), after its `ready`. */
  async function openBearer(id: number, p: Person, token?: string): Promise<ChatSocket> {
    const socket = await ChatSocket.open(wsUrl(id), { Authorization: `Bearer ${token ?? (await tokenFor(p))}` });
    await socket.next("ready");
    return socket;
  }

  return { tokenFor, rest, scheduledRoom, wsUrl, openBearer };
}
