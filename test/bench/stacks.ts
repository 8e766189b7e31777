import { onCleanup } from "./cleanup";

/**
 * The product's configuration under load. `embedded`: the Cloudflare-native defaults
 * (DO SQLite, D1, R2), only a JWT secret. `production`: the production adapters against
 * the real services that test/services/stack.ts starts (redis behind the Upstash-REST
 * gateway, MariaDB behind the PlanetScale-HTTP gateway, s3rver behind its SigV4 front).
 */
export interface Stack {
  name: "embedded" | "production";
  vars: Record<string, string>;
}

export class StackUnavailable extends Error {}

export async function prepareStack(name: Stack["name"], jwtSecret: string): Promise<Stack> {
  // A load test: thousands of consultations from a few hundred users, past any per-user limit.
  const vars = { JWT_SECRET: jwtSecret, MAX_OPEN_REQUESTS: "0", CREATES_PER_HOUR: "0" };
  if (name === "embedded") return { name, vars };
  // Loaded only here, so the embedded run needs none of the production services.
  let started: Awaited<ReturnType<typeof import("../services/stack").startStack>>;
  try {
    const { startStack } = await import("../services/stack");
    started = await startStack();
  } catch (e) {
    throw new StackUnavailable(`--stack production is unavailable: starting test/services/stack.ts failed: ${(e as Error).message}`);
  }
  onCleanup(() => started.stop());
  return { name, vars: { ...started.info.vars, ...vars } };
}
