import { signal, type Signal } from "@preact/signals";
import { ChatConnection, type CloseReason, type ConnectionStatus } from "./chat-connection";
import { emptyChatState, type ChatState } from "./chat-state";

/**
 * One conversation as the workspace keeps it while the user switches between several:
 * its live connection (so pending sends keep going and messages keep arriving while it is
 * not on screen), the draft, the scroll position and where the unread divider goes.
 * Sessions live for the tab (until sign-out or the chat closes for good).
 */
export interface ChatSession {
  requestIdx: number;
  connection: ChatConnection;
  state: Signal<ChatState>;
  link: Signal<{ status: ConnectionStatus; reason?: CloseReason }>;
  /** The other side's name while they type (cleared after a few seconds or their message). */
  typing: Signal<string | null>;
  /** Bumped by every `ready` (its read marks known): the divider waits for the first. */
  readyCount: Signal<number>;
  /** The room's status as of its last `status` or `ready` frame. */
  status: Signal<string | null>;
  draft: string;
  /** Saved when the conversation leaves the screen; null: follow the newest message. */
  scrollTop: number | null;
  /** Messages from the other side above this seq are new since the user last looked. */
  dividerAfter: number | null;
}

const TYPING_SHOWN_MS = 4_000;
const sessions = new Map<number, ChatSession>();

export interface SessionOptions {
  me: string;
  readOnly: boolean;
  nameOf(userCode: string): string;
}

export function chatSession(requestIdx: number, options: SessionOptions): ChatSession {
  const known = sessions.get(requestIdx);
  if (known) return known;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  const state = signal(emptyChatState());
  const link = signal<{ status: ConnectionStatus; reason?: CloseReason }>({ status: "connecting" });
  const typing = signal<string | null>(null);
  const readyCount = signal(0);
  const status = signal<string | null>(null);
  const connection = new ChatConnection(requestIdx, options.me, options.readOnly, {
    state(next) {
      // A message from the other side ends their "typing…".
      const last = next.messages.at(-1);
      if (last && last.sender !== options.me && last.seq !== state.peek().messages.at(-1)?.seq) typing.value = null;
      state.value = next;
    },
    connection(s, reason) {
      link.value = { status: s, ...(reason ? { reason } : {}) };
      if (s === "closed") typing.value = null;
    },
    status(s) {
      status.value = s;
    },
    typing(userCode) {
      typing.value = options.nameOf(userCode);
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => (typing.value = null), TYPING_SHOWN_MS);
    },
    ready() {
      readyCount.value++;
    },
  });
  const session: ChatSession = { requestIdx, connection, state, link, typing, readyCount, status, draft: "", scrollTop: null, dividerAfter: null };
  sessions.set(requestIdx, session);
  return session;
}

export function existingSession(requestIdx: number): ChatSession | undefined {
  return sessions.get(requestIdx);
}

/** Stops one conversation's connection (it closed for this viewer). */
export function dropSession(requestIdx: number): void {
  sessions.get(requestIdx)?.connection.close();
  sessions.delete(requestIdx);
}

export function dropAllSessions(): void {
  for (const id of [...sessions.keys()]) dropSession(id);
}
