// Types of `env` and `exports` from "cloudflare:workers" in worker tests: the Worker's
// own bindings and its main module (so `exports.default.fetch` and `exports.RoomDO` type-check).
declare namespace Cloudflare {
  interface Env extends Omit<import("../../../src/env").Env, never> {}
  interface GlobalProps {
    mainModule: typeof import("../../../src/index");
    durableNamespaces: "RoomDO" | "InboxDO" | "QueueWatchersDO";
  }
}
