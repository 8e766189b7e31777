import { readFile } from "node:fs/promises";
import type { Download } from "playwright-core";
import { checkEqual } from "./harness";

export interface TranscriptEntry {
  sender: string;
  content: string;
}

const RULE = "-".repeat(50);

const ENTRY = new RegExp(String.raw`^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]\n(?:발신|From): .* \(([^)\n]+)\)\n(?:내용|Content): ([\s\S]*?)\n${RULE}$`, "gm");

/** Parses a SPEC section 7 transcript into its entries, in order. */
export function parseTranscript(text: string): { total: number; entries: TranscriptEntry[] } {
  const total = Number(/(?:총 메시지 수|Total messages): (\d+)/.exec(text)?.[1] ?? -1);
  // Continuation lines of multi-line content are indented by four spaces (SPEC section 7).
  const entries = [...text.matchAll(ENTRY)].map((m) => ({ sender: m[1]!, content: m[2]!.replaceAll("\n    ", "\n") }));
  return { total, entries };
}

export async function readDownload(download: Download): Promise<string> {
  const path = await download.path();
  return readFile(path, "utf8");
}

/** The transcript holds exactly what was sent (SYSTEM lines aside), in order, once each. */
export function checkTranscript(text: string, sent: TranscriptEntry[]): void {
  const { total, entries } = parseTranscript(text);
  checkEqual(total, entries.length, "the transcript's message count matches its entries");
  checkEqual(entries.filter((e) => e.sender !== "SYSTEM"), sent, "the transcript holds what was sent, in order, once each");
}
