/** How a file of the chat looks: an image preview, or a chip with name, size and download. */
import { ApiFailure, api, fetchBlob, saveBlob } from "../api";
import { h } from "../dom";
import { t } from "../i18n";
import { formatFileSize } from "../../protocol/file-size";
import type { FileRef } from "./chat-state";

const PREVIEW_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

const filePath = (requestIdx: number, id: string) => `/api/chat/attachments/${requestIdx}/${id}`;

/**
 * Where the browser can show a stored file: the presigned URL (S3 adapter; shown by URL,
 * so no CORS and no token at the bucket), or a blob URL of the file fetched with the token
 * (R2 binding). One fetch per file and page: re-rendered bubbles reuse it.
 */
const previews = new Map<string, Promise<string>>();

function previewUrl(requestIdx: number, ref: FileRef): Promise<string> {
  let url = previews.get(ref.id);
  if (!url) {
    url = (async () => {
      const link = await api<{ url: string | null }>("GET", `${filePath(requestIdx, ref.id)}?link=true`);
      return link.url ?? URL.createObjectURL(await fetchBlob(filePath(requestIdx, ref.id)));
    })();
    url.catch(() => previews.delete(ref.id));
    previews.set(ref.id, url);
  }
  return url;
}

async function downloadFile(requestIdx: number, ref: FileRef): Promise<void> {
  const link = await api<{ url: string | null }>("GET", `${filePath(requestIdx, ref.id)}?link=true`);
  if (link.url) {
    // The store answers with `Content-Disposition: attachment` and the real name.
    const a = h("a", { href: link.url, rel: "noopener" });
    document.body.append(a);
    a.click();
    a.remove();
    return;
  }
  saveBlob(await fetchBlob(filePath(requestIdx, ref.id)), ref.name);
}

/** The file part of a message bubble; `stored` files can be previewed and downloaded. */
export function fileBlock(requestIdx: number, ref: FileRef, stored: boolean): HTMLElement {
  const size = formatFileSize(ref.size);
  const error = h("span", { class: "error", role: "alert" });
  const chip = h(
    "div",
    { class: "file-chip" },
    h("span", { class: "file-name" }, ref.name),
    h("span", { class: "file-size" }, size),
    stored
      ? h(
          "button",
          {
            type: "button",
            class: "link",
            "data-download-file": ref.id,
            "aria-label": t("downloadFile", { name: ref.name }),
            onclick: () => {
              error.textContent = "";
              downloadFile(requestIdx, ref).catch((e: unknown) => (error.textContent = e instanceof ApiFailure ? e.message : String(e)));
            },
          },
          "⬇",
        )
      : null,
  );
  const block = h("div", { class: "file", "data-attachment-id": ref.id, "aria-label": `${t("fileLabel")}: ${ref.name}, ${size}`, role: "group" });
  if (stored && PREVIEW_TYPES.has(ref.contentType)) {
    const img = h("img", { class: "thumb", alt: ref.name, loading: "lazy", decoding: "async" });
    previewUrl(requestIdx, ref).then(
      (url) => (img.src = url),
      () => img.remove(),
    );
    block.append(img);
  }
  block.append(chip, error);
  return block;
}
