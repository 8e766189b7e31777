import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { act, chatLog, consultationIdFromUrl, sendMessage, waitForChatOnline, waitForStatus, waitForStored } from "../support/app-driver";
import { fakePdf, gradientPng } from "../support/files";
import { check, checkEqual, type Scenario } from "../support/harness";

const MiB = 1024 * 1024;

/** Drops files on the chat panel the way a drag from the desktop does. */
async function dropFiles(page: Page, files: { name: string; type: string; base64: string }[]): Promise<void> {
  await page.locator(".chat ol.messages").evaluate((log, list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    const zone = log.parentElement!;
    zone.dispatchEvent(new DragEvent("dragenter", { dataTransfer: dt, bubbles: true }));
    zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
}

const storedFiles = (page: Page) => page.locator("ol.messages > li[data-seq] .file");

/**
 * SPEC section 11 in two browsers: the student attaches an image (file picker) and a PDF
 * (drag and drop) while the upload shows its progress; the professor sees the image's
 * thumbnail and downloads the PDF byte-identical; a failed upload is retried; a file over
 * the limit shows a clear error and nothing is sent.
 */
export const attachments: Scenario = {
  name: "attachments: image and PDF, thumbnail, byte-identical download, retry, over the limit",
  async run(world) {
    const student = await world.person("STU001");
    const professor = await world.person("PROF001");
    const s = student.page;
    const p = professor.page;

    await s.getByRole("link", { name: "새 상담 신청" }).click();
    await s.locator("#recipient").fill("PROF001");
    await s.locator("#title").fill("과제 화면 오류");
    await s.getByRole("button", { name: "신청하기" }).click();
    const id = await consultationIdFromUrl(s);
    await p.goto(`/consultations/${id}`);
    await act(p, "approve");
    await waitForStatus(s, "SCHEDULED");
    await waitForChatOnline(s);
    await waitForChatOnline(p);
    await sendMessage(s, "화면을 첨부합니다");
    await waitForStored(p, ["화면을 첨부합니다"]);

    // An image through the attach button, uploaded slowly enough to watch its progress.
    const png = gradientPng(320, 200);
    const cdp = await student.context.newCDPSession(s);
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    const big = fakePdf(Math.round(1.5 * MiB));
    await s.locator("#attach-input").setInputFiles([{ name: "오류 화면.png", mimeType: "image/png", buffer: png }, { name: "큰 자료.pdf", mimeType: "application/pdf", buffer: big }]);
    const progress = s.locator('ul.uploads li[data-state="uploading"] progress');
    await s.waitForFunction(() => {
      const bar = document.querySelector<HTMLProgressElement>('ul.uploads li[data-state="uploading"] progress');
      return bar !== null && bar.value > 0 && bar.value < 100;
    });
    check((await progress.count()) > 0, "a progress bar shows while the file uploads");
    await world.screenshot(s, "attachment-progress");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await s.locator("ul.uploads li").first().waitFor({ state: "detached", timeout: 60_000 });
    await s.waitForFunction(() => document.querySelectorAll("ul.uploads li").length === 0, undefined, { timeout: 60_000 });

    // A PDF dropped onto the chat; its first upload fails (network), "try again" sends it.
    const pdf = fakePdf(300_123);
    let failOnce = true;
    // The upload URL is the Worker's (R2) or a presigned S3 one (STACK=production).
    const isUpload = (url: URL) => url.searchParams.has("sig") || url.searchParams.has("X-Amz-Signature");
    await s.route(isUpload, async (route) => {
      if (route.request().method() === "PUT" && failOnce) {
        failOnce = false;
        return route.abort("connectionreset");
      }
      return route.continue();
    });
    await dropFiles(s, [{ name: "보고서 초안.pdf", type: "application/pdf", base64: pdf.toString("base64") }]);
    const failed = s.locator('ul.uploads li[data-state="failed"]');
    await failed.waitFor();
    check((await failed.textContent())!.includes("올리지 못했습니다"), "a failed upload says so");
    await failed.locator("button[data-retry-upload]").click();
    await s.waitForFunction(() => document.querySelectorAll("ul.uploads li").length === 0);
    await s.unroute(isUpload);

    await s.waitForFunction(() => document.querySelectorAll("ol.messages > li[data-seq] .file").length === 3, undefined, { timeout: 60_000 });
    await p.waitForFunction(() => document.querySelectorAll("ol.messages > li[data-seq] .file").length === 3, undefined, { timeout: 60_000 });
    const names = await storedFiles(p).locator(".file-name").allTextContents();
    checkEqual([...names].sort(), ["보고서 초안.pdf", "오류 화면.png", "큰 자료.pdf"].sort(), "the professor sees the three files by name");
    check((await storedFiles(p).locator(".file-size").allTextContents()).includes("293.1 KB"), "file chips show the size");

    // The image as a thumbnail, decoded.
    const thumb = p.locator("ol.messages img.thumb");
    await thumb.waitFor();
    await p.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>("ol.messages img.thumb");
      return img !== null && img.complete && img.naturalWidth === 320 && img.naturalHeight === 200;
    });
    checkEqual(await thumb.getAttribute("alt"), "오류 화면.png", "the thumbnail's alt text is the file name");
    await world.screenshot(p, "attachment-thumbnail");

    // The PDF downloads byte-identical, under its Korean name.
    const pdfBlock = storedFiles(p).filter({ hasText: "보고서 초안.pdf" });
    const [download] = await Promise.all([p.waitForEvent("download"), pdfBlock.locator("button[data-download-file]").click()]);
    checkEqual(download.suggestedFilename(), "보고서 초안.pdf", "the download keeps the Korean name");
    check(Buffer.compare(await readFile(await download.path()), pdf) === 0, "the downloaded PDF is byte-identical");

    // Over the limit (10 MiB by default): a clear error, and nothing is sent.
    const before = (await chatLog(p)).stored.length;
    await s.locator("#attach-input").setInputFiles({ name: "너무 큰 파일.zip", mimeType: "application/zip", buffer: Buffer.alloc(10 * MiB + 1) });
    const refused = s.locator('ul.uploads li[data-state="failed"]');
    await refused.waitFor();
    const text = (await refused.textContent())!;
    check(text.includes("너무 큽니다") && text.includes("10.0 MB"), `the error names the limit: ${text}`);
    check((await refused.locator("button[data-retry-upload]").count()) === 0, "a refused file offers no retry");
    // A type not accepted is refused the same way.
    await s.locator("#attach-input").setInputFiles({ name: "page.html", mimeType: "text/html", buffer: Buffer.from("<p>hi</p>") });
    await s.locator('ul.uploads li[data-state="failed"]', { hasText: "text/html" }).waitFor();
    await world.screenshot(s, "attachment-refused");
    await sendMessage(s, "마지막 메시지");
    await waitForStored(p, ["마지막 메시지"]);
    const after = await chatLog(p);
    checkEqual(after.stored.length, before + 1, "nothing but the last text was sent");
    checkEqual(await storedFiles(p).count(), 3, "no file message for the refused files");
  },
};
