import type { TestProject } from "vitest/node";
import { startStack, type StackInfo } from "./stack";

/**
 * Vitest globalSetup (runs in Node): starts the production stack once for the run and
 * hands its addresses to the tests, `inject("stack")` in Node and, through
 * `cloudflareTest(async ({ inject }) => …)` bindings, inside workerd.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startStack();
  project.provide("stack", stack.info);
  return () => stack.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The running production stack (test/services/stack.ts). */
    stack: StackInfo;
  }
}
