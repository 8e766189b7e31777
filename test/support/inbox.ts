/** Inbox sockets for worker tests: connect through the Worker (`/api/inbox/ws`) and read frames. */
import { expect } from "vitest";
import { api, apiJson, type Claims } from "./api";
import { uniqueCode } from "./consultations";
import { Client, type ConnectOptions, type Frame } from "./sockets";

/** A user no other test uses (each test sees only its own consultations in `ready`). */
export function someone(role: "student" | "professor" | "agent" | "admin", name = `${role} ${uniqueCode("")}`): Claims {
  return { sub: uniqueCode(role.slice(0, 3).toUpperCase()), name, role };
}

export async function inboxUpgrade(opts: ConnectOptions & { query?: string } = {}): Promise<Response> {
  const query = opts.query ?? (opts.ticket !== undefined ? `?ticket=${encodeURIComponent(opts.ticket)}` : "");
  return api(`/api/inbox/ws${query}`, { token: opts.token, headers: { Upgrade: "websocket", ...opts.headers }, env: opts.env });
}

export async function connectInbox(opts: ConnectOptions): Promise<{ client: Client; ready: Frame }> {
  const res = await inboxUpgrade(opts);
  if (res.status !== 101 || !res.webSocket) expect.fail(`inbox upgrade refused: ${res.status} ${await res.text()}`);
  const client = new Client(res.webSocket!);
  const ready = await client.next("ready");
  return { client, ready };
}

export const inboxTicket = (token: string | Claims) => apiJson<{ ticket: string; expiresIn: number }>("/api/inbox/ticket", { token, method: "POST" });

/** Waits for the `consultation` frame of `requestIdx` that satisfies `match`. */
export function consultationFrame(client: Client, requestIdx: number, match: (c: any) => boolean = () => true): Promise<Frame> {
  return client.next((f) => f.type === "consultation" && f.consultation.requestIdx === requestIdx && match(f.consultation));
}
