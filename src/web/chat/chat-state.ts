/**
 * The chat's client-side state, as pure functions over immutable values, so that the
 * "never lose, never double" rules can be unit-tested without a browser or a socket.
 *
 * - Confirmed messages are kept sorted and unique by `seq` (the server's order).
 * - A message the user typed stays in `pending` (keyed by its `clientMsgId`) until the
 *   stored message with that `clientMsgId` arrives, by broadcast or by `sync` history;
 *   only then is it removed, so a reconnect between send and ack loses nothing, and a
 *   retried send (same `clientMsgId`) can never show twice.
 * - `syncedSeq` is the highest seq up to which the client holds everything the server
 *   has: the `afterSeq` of the next `sync`. A message above `syncedSeq + 1` reveals a gap.
 */

/** A FILE message's file (SPEC section 11). */
export interface FileRef {
  id: string;
  name: string;
  size: number;
  contentType: string;
}

export interface WireMessage {
  id: string;
  seq: number;
  requestIdx: number;
  sender: string;
  senderName: string;
  type: "NORMAL" | "SYSTEM" | "FILE";
  content: string;
  sentAt: string;
  clientMsgId: string | null;
  attachment?: FileRef;
}

export interface PendingMessage {
  clientMsgId: string;
  content: string;
  /** A FILE send: the uploaded file it announces (re-sent with the same clientMsgId). */
  attachment?: FileRef;
  createdAt: string;
  /** sending: waiting for the server; acked: stored (seq known), broadcast not yet seen; failed: refused. */
  state: "sending" | "acked" | "failed";
  seq?: number;
  error?: string;
}

export interface ChatState {
  messages: readonly WireMessage[];
  pending: readonly PendingMessage[];
  syncedSeq: number;
  /** userCode -> highest seq that user has read. */
  readUpTo: Readonly<Record<string, number>>;
  /** userCode -> highest seq a device of that user has received (SPEC section 13). */
  deliveredUpTo: Readonly<Record<string, number>>;
}

export const MAX_MESSAGE_LENGTH = 2000;

export function emptyChatState(pending: readonly PendingMessage[] = []): ChatState {
  return { messages: [], pending, syncedSeq: 0, readUpTo: {}, deliveredUpTo: {} };
}

/** Merges stored messages (broadcast or history) by seq and retires matching pending sends. */
export function applyMessages(state: ChatState, incoming: readonly WireMessage[], fromHistory = false): ChatState {
  if (incoming.length === 0) return state;
  const bySeq = new Map<number, WireMessage>();
  for (const m of state.messages) bySeq.set(m.seq, m);
  for (const m of incoming) if (!bySeq.has(m.seq)) bySeq.set(m.seq, m);
  const messages = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const stored = new Set(messages.map((m) => m.clientMsgId).filter((id): id is string => id !== null));
  const pending = state.pending.filter((p) => !stored.has(p.clientMsgId));
  // History answers a sync: everything up to its last seq is now known, even if the hot
  // store no longer holds some older seqs (TTL), so the next sync does not ask again.
  const historyTop = fromHistory ? Math.max(...incoming.map((m) => m.seq)) : 0;
  return { ...state, messages, pending, syncedSeq: contiguousTop(messages, Math.max(state.syncedSeq, historyTop)) };
}

function contiguousTop(sorted: readonly WireMessage[], from: number): number {
  let top = from;
  for (const m of sorted) {
    if (m.seq <= top) continue;
    if (m.seq !== top + 1) break;
    top = m.seq;
  }
  return top;
}

/** True when messages above `syncedSeq` are held but one in between is missing. */
export function hasGap(state: ChatState): boolean {
  const last = state.messages[state.messages.length - 1];
  return last !== undefined && last.seq > state.syncedSeq;
}

export function addPending(state: ChatState, clientMsgId: string, content: string, now: Date, attachment?: FileRef): ChatState {
  if (state.pending.some((p) => p.clientMsgId === clientMsgId)) return state;
  const entry: PendingMessage = { clientMsgId, content, createdAt: now.toISOString(), state: "sending", ...(attachment ? { attachment } : {}) };
  return { ...state, pending: [...state.pending, entry] };
}

/** The server stored it; keep it visible (as sent) until its broadcast or history arrives. */
export function applyAck(state: ChatState, clientMsgId: string, seq: number): ChatState {
  if (state.messages.some((m) => m.clientMsgId === clientMsgId)) return state;
  return updatePending(state, clientMsgId, (p) => ({ ...p, state: "acked", seq, error: undefined }));
}

export function markFailed(state: ChatState, clientMsgId: string, error: string): ChatState {
  return updatePending(state, clientMsgId, (p) => (p.state === "acked" ? p : { ...p, state: "failed", error }));
}

/** The user asked to try a failed message again: same clientMsgId, so no double. */
export function markRetrying(state: ChatState, clientMsgId: string): ChatState {
  return updatePending(state, clientMsgId, (p) => (p.state === "failed" ? { ...p, state: "sending", error: undefined } : p));
}

function updatePending(state: ChatState, clientMsgId: string, f: (p: PendingMessage) => PendingMessage): ChatState {
  let changed = false;
  const pending = state.pending.map((p) => {
    if (p.clientMsgId !== clientMsgId) return p;
    changed = true;
    return f(p);
  });
  return changed ? { ...state, pending } : state;
}

/** Sends to (re)transmit after a (re)connect, oldest first. Acked ones are already stored. */
export function sendsToRetry(state: ChatState): PendingMessage[] {
  return state.pending.filter((p) => p.state === "sending");
}

export function applyRead(state: ChatState, userCode: string, upToSeq: number): ChatState {
  if ((state.readUpTo[userCode] ?? 0) >= upToSeq) return state;
  return { ...state, readUpTo: { ...state.readUpTo, [userCode]: upToSeq } };
}

export function applyDelivered(state: ChatState, userCode: string, upToSeq: number): ChatState {
  if ((state.deliveredUpTo[userCode] ?? 0) >= upToSeq) return state;
  return { ...state, deliveredUpTo: { ...state.deliveredUpTo, [userCode]: upToSeq } };
}

/** The delivery state of a message, as its ticks show it (SPEC section 13). */
export type Tick = "sending" | "stored" | "delivered" | "read" | "failed";

/** The tick of my stored message `seq`: read beats delivered (a read implies it). */
export function tickOf(state: ChatState, me: string, seq: number): Tick {
  if (readByOthers(state, me, seq)) return "read";
  const delivered = Object.entries(state.deliveredUpTo).some(([user, upTo]) => user !== me && upTo >= seq);
  return delivered ? "delivered" : "stored";
}

/** The tick of a pending send: acked is already stored (and may be delivered or read). */
export function pendingTick(state: ChatState, me: string, p: PendingMessage): Tick {
  if (p.state === "failed") return "failed";
  if (p.state === "acked" && p.seq !== undefined) return tickOf(state, me, p.seq);
  return "sending";
}

/** The highest seq of a message from someone else, for the `read` receipt (0 if none). */
export function latestFromOthers(state: ChatState, me: string): number {
  for (let i = state.messages.length - 1; i >= 0; i--) {
    const m = state.messages[i]!;
    if (m.sender !== me) return m.seq;
  }
  return 0;
}

/** True when someone other than `me` has read my message `seq`. */
export function readByOthers(state: ChatState, me: string, seq: number): boolean {
  return Object.entries(state.readUpTo).some(([user, upTo]) => user !== me && upTo >= seq);
}

export type TimelineItem =
  | { kind: "message"; key: string; message: WireMessage; mine: boolean; read: boolean; tick: Tick | null }
  | { kind: "pending"; key: string; pending: PendingMessage; tick: Tick };

/**
 * What the chat shows: stored messages in seq order, then the user's pending ones. The key
 * of a user's message is its clientMsgId in both forms, so the bubble stays in place when
 * it turns from pending to stored.
 */
export function timeline(state: ChatState, me: string): TimelineItem[] {
  const items: TimelineItem[] = state.messages.map((m) => {
    const mine = m.sender === me;
    const tick = mine ? tickOf(state, me, m.seq) : null;
    return { kind: "message", key: m.clientMsgId ?? m.id, message: m, mine, read: tick === "read", tick };
  });
  for (const p of state.pending) items.push({ kind: "pending", key: p.clientMsgId, pending: p, tick: pendingTick(state, me, p) });
  return items;
}

/** The content the server will store (trimmed), or the reason it cannot be sent. */
export function validateDraft(draft: string): { ok: true; content: string } | { ok: false; reason: "empty" | "tooLong" } {
  const content = draft.trim();
  if (content.length === 0) return { ok: false, reason: "empty" };
  if (content.length > MAX_MESSAGE_LENGTH) return { ok: false, reason: "tooLong" };
  return { ok: true, content };
}
