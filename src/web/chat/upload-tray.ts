/**
 * The files on their way into the chat, above the composer: one chip per file with a
 * progress bar while it uploads, a clear reason when it was refused (too big, a type not
 * accepted, too many) and "try again" when the upload itself failed. A finished upload
 * leaves the tray and becomes a FILE message (pending, then stored, in the log).
 */
import { h } from "../dom";
import { t } from "../i18n";
import { formatFileSize } from "../../protocol/file-size";
import type { FileRef } from "./chat-state";
import { fileRef, putFile, requestGrant, UploadError, type Grant, type UploadProblem } from "./upload";

interface Item {
  file: File;
  grant: (Grant & { expiresAt: number }) | null;
  el: HTMLLIElement;
}

/** Seconds of a grant's lifetime kept in reserve: a retry near its end asks for a new one. */
const GRANT_MARGIN_MS = 30_000;

export interface UploadTray {
  element: HTMLElement;
  add(files: Iterable<File>): void;
}

export function mountUploadTray(requestIdx: number, uploaded: (ref: FileRef) => void): UploadTray {
  const list = h("ul", { class: "uploads", "aria-label": t("uploads") });

  function add(files: Iterable<File>): void {
    for (const file of files) {
      const item: Item = { file, grant: null, el: h("li", { class: "upload", "data-state": "uploading" }) };
      list.append(item.el);
      void run(item);
    }
  }

  async function run(item: Item): Promise<void> {
    const { file } = item;
    const progress = h("progress", { max: 100, value: 0, "aria-label": file.name });
    const percent = h("span", { class: "percent" }, t("uploading", { percent: 0 }));
    render(item, "uploading", progress, percent);
    try {
      if (!item.grant || item.grant.expiresAt < Date.now()) {
        const grant = await requestGrant(requestIdx, file);
        item.grant = { ...grant, expiresAt: Date.now() + grant.expiresIn * 1000 - GRANT_MARGIN_MS };
      }
      await putFile(item.grant, file, (fraction) => {
        const value = Math.round(fraction * 100);
        progress.value = value;
        percent.textContent = t("uploading", { percent: value });
      });
      item.el.remove();
      uploaded(fileRef(item.grant, file));
    } catch (e) {
      const problem: UploadProblem = e instanceof UploadError ? e.problem : { kind: "failed", message: String(e) };
      // A refused grant is final for this file; a failed transfer may be tried again.
      if (problem.kind !== "failed" && problem.kind !== "rateLimited") item.grant = null;
      render(item, "failed", h("p", { class: "error", role: "alert" }, describe(file, problem)), retryable(problem) ? retryButton(item) : null);
    }
  }

  function retryButton(item: Item): HTMLButtonElement {
    return h("button", { type: "button", class: "link", "data-retry-upload": "", onclick: () => void run(item) }, t("retry"));
  }

  function render(item: Item, state: "uploading" | "failed", ...parts: (Node | null)[]): void {
    item.el.dataset.state = state;
    const remove =
      state === "failed" ? h("button", { type: "button", class: "link", "aria-label": t("removeUpload", { name: item.file.name }), onclick: () => item.el.remove() }, "✕") : null;
    item.el.replaceChildren(
      h("span", { class: "file-name" }, item.file.name),
      h("span", { class: "file-size" }, formatFileSize(item.file.size)),
      ...[remove, ...parts].filter((p): p is Node => p !== null),
    );
  }

  return { element: list, add };
}

function retryable(problem: UploadProblem): boolean {
  return problem.kind === "failed" || problem.kind === "rateLimited";
}

function describe(file: File, problem: UploadProblem): string {
  const name = file.name;
  switch (problem.kind) {
    case "tooLarge":
      return problem.maxBytes ? t("fileTooLarge", { name, max: formatFileSize(problem.maxBytes) }) : t("fileTooLargeNoMax", { name });
    case "type":
      return t("fileTypeRefused", { name, type: problem.contentType });
    case "empty":
      return t("fileEmpty", { name });
    case "rateLimited":
      return t("uploadRateLimited", { name });
    case "failed":
      return t("uploadFailed", { name, message: problem.message });
  }
}
