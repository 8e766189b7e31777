/** The REST client: bearer token, JSON in and out, SPEC's `{error, code}` as ApiFailure. */

import type { Consultation } from "./types";

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

let token: string | null = null;
let onUnauthorized: () => void = () => {};

export function configureApi(nextToken: string | null, unauthorized: () => void): void {
  token = nextToken;
  onUnauthorized = unauthorized;
}

async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiFailure(0, "NETWORK", e instanceof Error ? e.message : String(e));
  }
  if (res.ok) return res;
  const err = (await res.json().catch(() => null)) as { error?: string; code?: string; details?: { path: string; message: string }[] } | null;
  if (res.status === 401 && token) onUnauthorized();
  throw new ApiFailure(res.status, err?.code ?? "HTTP_" + res.status, err?.error ?? res.statusText, err?.details ?? []);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body);
  return (await res.json()) as T;
}

/** Fetches a transcript with the bearer token and hands it to the browser as a download. */
export async function download(method: "GET" | "POST", path: string, fallbackName: string): Promise<void> {
  const res = await request(method, path);
  const disposition = res.headers.get("Content-Disposition") ?? "";
  // RFC 6266: the UTF-8 `filename*` (Korean names) wins over the ASCII fallback.
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  const name = (extended && safeDecode(extended)) ?? /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  saveBlob(await res.blob(), name);
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** A GET with the bearer token, as a Blob (files the Worker serves itself). */
export async function fetchBlob(path: string): Promise<Blob> {
  return (await request("GET", path)).blob();
}

/** Hands `blob` to the browser as a download named `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Give the browser time to start the download before the blob URL goes away.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export const consultations = {
  list: (query: URLSearchParams) => api<{ items: Consultation[]; nextCursor: string | null }>("GET", `/api/consultations?${query}`),
  queue: (category?: string) =>
    api<Consultation[] | { items: Consultation[] }>("GET", `/api/consultations/queue${category ? `?category=${encodeURIComponent(category)}` : ""}`).then(
      (r) => (Array.isArray(r) ? r : r.items),
    ),
  get: (id: number) => api<Consultation>("GET", `/api/consultations/${id}`),
  create: (body: Record<string, unknown>) => api<Consultation>("POST", "/api/consultations", body),
  act: (id: number, action: string, body: Record<string, unknown> = {}) =>
    api<Consultation>("POST", `/api/consultations/${id}/${action}`, body),
};
