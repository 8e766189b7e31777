import type { ChatMessage } from "../domain/types";

/** SPEC section 7: the transcript of a room, byte for byte. */
export interface TranscriptOptions {
  requestIdx: number;
  messages: readonly ChatMessage[];
  generatedAt: Date;
  timezone: string;
  locale: "ko" | "en";
}

const LABELS = {
  ko: {
    title: "상담 채팅 기록",
    request: "상담 요청 번호",
    generated: "생성 일시",
    total: "총 메시지 수",
    from: "발신",
    content: "내용",
    end: "채팅 기록 끝",
    empty: "채팅 내역이 없습니다.",
  },
  en: {
    title: "Consultation chat log",
    request: "Request no.",
    generated: "Generated at",
    total: "Total messages",
    from: "From",
    content: "Content",
    end: "End of chat log",
    empty: "No chat history.",
  },
} as const;

const HEAVY_RULE = "=".repeat(50);
const LIGHT_RULE = "-".repeat(50);
const TITLE_INDENT = " ".repeat(7);

export const TRANSCRIPT_CONTENT_TYPE = "text/plain; charset=utf-8";

/**
 * The transcript text. With no messages it is just the "no history" sentence (no header,
 * no trailing newline), exactly as SPEC words it; otherwise every line ends with `\n`.
 */
export function formatTranscript(options: TranscriptOptions): string {
  const l = LABELS[options.locale];
  if (options.messages.length === 0) return l.empty;
  const time = timeFormatter(options.timezone);
  const lines = [
    HEAVY_RULE,
    `${TITLE_INDENT}${l.title}`,
    HEAVY_RULE,
    "",
    `${l.request}: ${options.requestIdx}`,
    `${l.generated}: ${time(options.generatedAt)}`,
    `${l.total}: ${options.messages.length}`,
    "",
    HEAVY_RULE,
    "",
  ];
  for (const m of options.messages) {
    lines.push(`[${time(new Date(m.sentAt))}]`, `${l.from}: ${m.senderName} (${m.sender})`, `${l.content}: ${m.content}`, LIGHT_RULE);
  }
  lines.push("", HEAVY_RULE, l.end, HEAVY_RULE);
  return lines.map((line) => `${line}\n`).join("");
}

/** `yyyy-MM-dd HH:mm:ss` in `timezone` (an IANA name, validated by the config). */
export function timeFormatter(timezone: string): (at: Date) => string {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  return (at) => {
    const parts: Record<string, string> = {};
    for (const p of format.formatToParts(at)) parts[p.type] = p.value;
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  };
}

/** `Content-Disposition` of a transcript download. */
export function attachmentHeader(filename: string): string {
  return `attachment; filename="${filename}"`;
}
