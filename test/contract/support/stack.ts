import { env } from "cloudflare:workers";
import type { StackInfo } from "../../services/stack";

/** The production stack, as the contract project of test/vitest.config.ts binds it (TEST_STACK). */
export const stack = env.TEST_STACK!;

/** Takes a service of the stack down or brings it back (see StackInfo.control). */
export async function setService(service: "upstash" | "planetscale" | "redis", state: "down" | "up"): Promise<void> {
  const res = await fetch(`${stack.control}/${service}/${state}`, { method: "POST" });
  if (!res.ok) throw new Error(`stack control ${service}/${state}: ${res.status} ${await res.text()}`);
  await res.body?.cancel();
}

/** Holds every Upstash answer for `ms` (0 ends it) while `fn` runs, as a store too slow to answer would. */
export async function whileUpstashSlow<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const delay = async (d: number) => {
    const res = await fetch(`${stack.control}/upstash/delay/${d}/${d}`, { method: "POST" });
    if (!res.ok) throw new Error(`stack control upstash/delay: ${res.status} ${await res.text()}`);
    await res.body?.cancel();
  };
  await delay(ms);
  try {
    return await fn();
  } finally {
    await delay(0);
  }
}

/** Runs `fn` with `service` down, bringing it back whatever happens. */
export async function whileDown<T>(service: "upstash" | "planetscale" | "redis", fn: () => Promise<T>): Promise<T> {
  await setService(service, "down");
  try {
    return await fn();
  } finally {
    await setService(service, "up");
  }
}

/** A room or row number no other test uses (the stack's services are shared by the run). */
export function freshId(): number {
  return 1_000_000 + (crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000_000);
}

/** Resolves to the ApiError code a store call failed with, or "resolved". */
export async function failureCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "resolved";
  } catch (e) {
    return (e as { code?: string }).code ?? `not an ApiError: ${String(e)}`;
  }
}
