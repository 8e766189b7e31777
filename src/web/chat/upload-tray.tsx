/**
 * The files on their way into the chat, above the composer: one chip per file with a
 * progress bar while it uploads, a clear reason when it was refused (too big, a type not
 * accepted, too many) and "try again" when the upload itself failed. A finished upload
 * leaves the tray and becomes a FILE message (pending, then stored, in the log).
 */
import { useCallback, useState } from "preact/hooks";
import { t } from "../i18n";
import { formatFileSize } from "../../protocol/file-size";
import type { FileRef } from "./chat-state";
import { fileRef, putFile, requestGrant, UploadError, type Grant, type UploadProblem } from "./upload";

interface Upload {
  key: number;
  file: File;
  state: "uploading" | "failed";
  percent: number;
  problem: UploadProblem | null;
}

/** Seconds of a grant's lifetime kept in reserve: a retry near its end asks for a new one. */
const GRANT_MARGIN_MS = 30_000;
let nextKey = 1;

/** The tray's state and what drives it: `add` files, `retry` or `remove` a failed one. */
export function useUploads(requestIdx: number, uploaded: (ref: FileRef) => void) {
  const [items, setItems] = useState<Upload[]>([]);
  const grants = useState(() => new Map<number, Grant & { expiresAt: number }>())[0];
  const patch = (key: number, change: Partial<Upload> | null) =>
    setItems((list) => (change === null ? list.filter((i) => i.key !== key) : list.map((i) => (i.key === key ? { ...i, ...change } : i))));

  const run = useCallback(
    async (key: number, file: File) => {
      patch(key, { state: "uploading", percent: 0, problem: null });
      try {
        let grant = grants.get(key);
        if (!grant || grant.expiresAt < Date.now()) {
          const fresh = await requestGrant(requestIdx, file);
          grant = { ...fresh, expiresAt: Date.now() + fresh.expiresIn * 1000 - GRANT_MARGIN_MS };
          grants.set(key, grant);
        }
        await putFile(grant, file, (fraction) => patch(key, { percent: Math.round(fraction * 100) }));
        patch(key, null);
        grants.delete(key);
        uploaded(fileRef(grant, file));
      } catch (e) {
        const problem: UploadProblem = e instanceof UploadError ? e.problem : { kind: "failed", message: String(e) };
        // A refused grant is final for this file; a failed transfer may be tried again.
        if (problem.kind !== "failed" && problem.kind !== "rateLimited") grants.delete(key);
        patch(key, { state: "failed", problem });
      }
    },
    [requestIdx, uploaded],
  );

  const add = (files: Iterable<File>) => {
    for (const file of files) {
      const key = nextKey++;
      setItems((list) => [...list, { key, file, state: "uploading", percent: 0, problem: null }]);
      void run(key, file);
    }
  };
  const retry = (item: Upload) => void run(item.key, item.file);
  const remove = (item: Upload) => patch(item.key, null);
  return { items, add, retry, remove };
}

export function UploadTray({ uploads }: { uploads: ReturnType<typeof useUploads> }) {
  return (
    <ul class="uploads" aria-label={t("uploads")}>
      {uploads.items.map((item) => (
        <li key={item.key} class="upload" data-state={item.state}>
          <span class="file-name">{item.file.name}</span>
          <span class="file-size">{formatFileSize(item.file.size)}</span>
          {item.state === "uploading" ? (
            <>
              <progress max={100} value={item.percent} aria-label={item.file.name} />
              <span class="percent">{t("uploading", { percent: item.percent })}</span>
            </>
          ) : (
            <>
              <button type="button" class="link" aria-label={t("removeUpload", { name: item.file.name })} onClick={() => uploads.remove(item)}>
                ✕
              </button>
              <p class="error" role="alert">
                {describe(item.file, item.problem!)}
              </p>
              {retryable(item.problem!) ? (
                <button type="button" class="link" data-retry-upload="" onClick={() => uploads.retry(item)}>
                  {t("retry")}
                </button>
              ) : null}
            </>
          )}
        </li>
      ))}
    </ul>
  );
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
