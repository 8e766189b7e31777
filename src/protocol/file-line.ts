import type { ChatMessage } from "../domain/types";
import { formatFileSize } from "./file-size";

const FILE_LABEL = { ko: "[파일]", en: "[File]" } as const;

/**
 * The transcript content of a message (SPEC section 7): a FILE message reads
 * `[파일] {name} ({size})`, with its caption, if any, on the following line(s).
 */
export function transcriptContent(m: ChatMessage, locale: keyof typeof FILE_LABEL): string {
  if (m.type !== "FILE" || !m.attachment) return m.content;
  const line = `${FILE_LABEL[locale]} ${m.attachment.name} (${formatFileSize(m.attachment.size)})`;
  return m.content ? `${line}\n${m.content}` : line;
}
