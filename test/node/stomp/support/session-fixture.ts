/** A StompSession wired to recording ports, for the state-machine tests. */
import type { ChatMessage, User } from "../../../../src/domain/types";
import { readFrame, StompDecoder, type StompFrame } from "../../../../src/protocol/stomp-codec";
import type { StompVersion } from "../../../../src/protocol/stomp-version";
import { StompSession, type ChatSendRequest, type SendOutcome, type StompAttachment, type StompSessionOptions, type StompSessionPorts } from "../../../../src/inbox/stomp-session";

export function user(userCode = "STU001"): User {
  return { userCode, name: "홍길동", role: "STUDENT", isCounselor: false, isAdmin: false, exp: null };
}

export const TOKENS: Record<string, User> = { "good-token": user(), "prof-token": { ...user("PROF01"), name: "김교수", role: "PROFESSOR", isCounselor: true } };

export function message(requestIdx: number, seq: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return { id: `m-${requestIdx}-${seq}`, seq, requestIdx, sender: "STU001", senderName: "홍길동", type: "NORMAL", content: `hello ${seq}`, sentAt: "2025-10-24T05:15:30.123Z", clientMsgId: `c-${seq}`, ...extra };
}

export interface Recorder {
  session: StompSession;
  written: string[];
  closed: Array<{ code: number; reason: string }>;
  sends: ChatSendRequest[];
  subscribed: string[];
  /** What the history port answers (replace to delay or fail it). */
  history: (subscriptionId: string) => Promise<ChatMessage[]>;
  persisted: StompAttachment[];
  /** Frames written so far, decoded for `version` (default: the session's). */
  frames(version?: StompVersion | null): StompFrame[];
  ports: StompSessionPorts;
}

export type SendPort = (req: ChatSendRequest) => Promise<SendOutcome>;

let seqCounter = 0;
export const storeEverything: SendPort = async (req) => ({ ok: true, id: `id-${req.clientMsgId}`, seq: ++seqCounter });

export function record(options: StompSessionOptions = {}, send: SendPort = storeEverything, attachment?: StompAttachment): Recorder {
  const rec = { written: [], closed: [], sends: [], subscribed: [], persisted: [], history: async () => [] } as unknown as Recorder;
  rec.ports = {
    verify: async (token) => (TOKENS[token] ? { ok: true, user: TOKENS[token]! } : { ok: false, message: "invalid token" }),
    send: (req) => {
      rec.sends.push(req);
      return send(req);
    },
    write: (data) => rec.written.push(data),
    close: (code, reason) => rec.closed.push({ code, reason }),
    history: (u, id) => {
      rec.subscribed.push(`${u.userCode}:${id}`);
      return rec.history(id);
    },
    persist: (a) => rec.persisted.push(a),
    newClientMsgId: () => `gen-${rec.sends.length + 1}`,
  };
  rec.session = attachment ? StompSession.fromAttachment(attachment, rec.ports, options) : StompSession.create(rec.ports, { sessionId: "s-1", ...options });
  rec.frames = (version = rec.session.version) =>
    rec.written.flatMap((w) => (w === "\n" ? [] : new StompDecoder().push(w).map((raw) => readFrame(raw, version))));
  return rec;
}

export const CONNECT = "CONNECT\naccept-version:1.2,1.1,1.0\nheart-beat:10000,10000\nAuthorization:Bearer good-token\n\n\0";

export async function connected(options: StompSessionOptions = {}, send?: SendPort): Promise<Recorder> {
  const rec = record(options, send);
  await rec.session.receive(CONNECT);
  rec.written.length = 0;
  return rec;
}

export async function subscribed(options: StompSessionOptions = {}, send?: SendPort): Promise<Recorder> {
  const rec = await connected(options, send);
  await rec.session.receive("SUBSCRIBE\nid:sub-0\ndestination:/user/queue/chat\n\n\0");
  rec.written.length = 0;
  return rec;
}
