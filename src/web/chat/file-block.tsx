/** How a file of the chat looks: an image preview, or a chip with name, size and download. */
import { useEffect, useState } from "preact/hooks";
import { ApiFailure, api, fetchBlob, saveBlob } from "../api";
import { t } from "../i18n";
import { formatFileSize } from "../../protocol/file-size";
import type { FileRef } from "./chat-state";

const PREVIEW_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

const filePath = (requestIdx: number, id: string) => `/api/chat/attachments/${requestIdx}/${id}`;

/**
 * Where the browser can show a stored file: the presigned URL (S3 adapter; shown by URL,
 * so no CORS and no token at the bucket), or a blob URL of the file fetched with the token
 * (R2 binding). One fetch per file and tab: re-rendered bubbles reuse it.
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
    const a = document.createElement("a");
    a.href = link.url;
    a.rel = "noopener";
    document.body.append(a);
    a.click();
    a.remove();
    return;
  }
  saveBlob(await fetchBlob(filePath(requestIdx, ref.id)), ref.name);
}

/** The file part of a message bubble; `stored` files can be previewed and downloaded. */
export function FileBlock({ requestIdx, file, stored }: { requestIdx: number; file: FileRef; stored: boolean }) {
  const size = formatFileSize(file.size);
  const [error, setError] = useState("");
  const [src, setSrc] = useState<string | null>(null);
  const [noPreview, setNoPreview] = useState(false);
  const previewable = stored && PREVIEW_TYPES.has(file.contentType);
  useEffect(() => {
    if (!previewable) return;
    let live = true;
    previewUrl(requestIdx, file).then(
      (url) => live && setSrc(url),
      () => live && setNoPreview(true),
    );
    return () => void (live = false);
  }, [requestIdx, file.id, previewable]);
  return (
    <div class="file" data-attachment-id={file.id} aria-label={`${t("fileLabel")}: ${file.name}, ${size}`} role="group">
      {previewable && !noPreview && src ? <img class="thumb" alt={file.name} src={src} loading="lazy" decoding="async" /> : null}
      <div class="file-chip">
        <span class="file-name">{file.name}</span>
        <span class="file-size">{size}</span>
        {stored ? (
          <button
            type="button"
            class="link"
            data-download-file={file.id}
            aria-label={t("downloadFile", { name: file.name })}
            onClick={() => {
              setError("");
              downloadFile(requestIdx, file).catch((e: unknown) => setError(e instanceof ApiFailure ? e.message : String(e)));
            }}
          >
            ⬇
          </button>
        ) : null}
      </div>
      {error ? (
        <span class="error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}
