/** SPEC sections 7 and 11: file sizes, FILE transcript lines, download file names. */
import { describe, expect, it } from "vitest";
import { formatTranscript } from "../../src/protocol/transcript";
import type { ChatMessage } from "../../src/domain/types";
import { contentDisposition } from "../../src/http/content-disposition";
import { formatFileSize } from "../../src/protocol/file-size";

describe("formatFileSize", () => {
  it.each([
    [0, "0 B"],
    [512, "512 B"],
    [1023, "1023 B"],
    [1024, "1.0 KB"],
    [12_595, "12.3 KB"],
    [1024 * 1024 - 1, "1.0 MB"],
    [4 * 1024 * 1024, "4.0 MB"],
    [10 * 1024 * 1024, "10.0 MB"],
    [5 * 1024 ** 3, "5.0 GB"],
  ])("%d bytes is %s", (bytes, text) => expect(formatFileSize(bytes)).toBe(text));
});

const file = (seq: number, name: string, size: number, content = ""): ChatMessage => ({
  id: `id-${seq}`,
  seq,
  requestIdx: 123,
  sender: "STU001",
  senderName: "홍길동",
  type: "FILE",
  content,
  sentAt: "2025-10-24T05:15:30.123Z",
  clientMsgId: null,
  attachment: { id: `a-${seq}`, name, size, contentType: "application/pdf" },
});
const generatedAt = new Date("2025-10-24T05:30:22.000Z");

describe("FILE lines of the transcript", () => {
  it("ko: `내용: [파일] {name} ({size})`", () => {
    const text = formatTranscript({ requestIdx: 123, messages: [file(1, "보고서.pdf", 4 * 1024 * 1024)], generatedAt, timezone: "Asia/Seoul", locale: "ko" });
    expect(text).toContain("[2025-10-24 14:15:30]\n발신: 홍길동 (STU001)\n내용: [파일] 보고서.pdf (4.0 MB)\n--------------------------------------------------\n");
  });

  it("en: `Content: [File] {name} ({size})`", () => {
    const text = formatTranscript({ requestIdx: 123, messages: [file(1, "report.pdf", 512)], generatedAt, timezone: "Asia/Seoul", locale: "en" });
    expect(text).toContain("From: 홍길동 (STU001)\nContent: [File] report.pdf (512 B)\n---");
  });

  it("a caption follows the file line", () => {
    const text = formatTranscript({ requestIdx: 123, messages: [file(1, "a.png", 2048, "이 화면이요")], generatedAt, timezone: "Asia/Seoul", locale: "ko" });
    expect(text).toContain("내용: [파일] a.png (2.0 KB)\n");
    expect(text).toContain("이 화면이요\n---");
  });
});

describe("contentDisposition (RFC 6266 / 8187)", () => {
  it("keeps ASCII names, quotes them, and adds the UTF-8 form", () => {
    expect(contentDisposition("attachment", "report v2.pdf")).toBe(`attachment; filename="report v2.pdf"; filename*=UTF-8''report%20v2.pdf`);
  });

  it("Korean names survive in filename*; the fallback is ASCII", () => {
    const header = contentDisposition("inline", "오류 화면.png");
    expect(header).toBe(`inline; filename="__ __.png"; filename*=UTF-8''%EC%98%A4%EB%A5%98%20%ED%99%94%EB%A9%B4.png`);
    const encoded = /filename\*=UTF-8''(.*)$/.exec(header)![1]!;
    expect(decodeURIComponent(encoded)).toBe("오류 화면.png");
  });

  it("quotes, backslashes, percent signs, path separators and control characters cannot escape", () => {
    const header = contentDisposition("attachment", '..\\..//evil"; filename="x.exe\r\n%41');
    expect(header).not.toMatch(/[\r\n]/);
    const fallback = /filename="([^"]*)"/.exec(header)![1]!;
    expect(fallback).not.toMatch(/[\\/"%]/);
    const encoded = /filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]*)$/.exec(header);
    expect(encoded).not.toBeNull();
    expect(decodeURIComponent(encoded![1]!)).not.toMatch(/[\\/\r\n]/);
  });
});
