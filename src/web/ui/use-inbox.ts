import { useEffect } from "preact/hooks";
import { inbox, inboxVersion } from "../app/app-state";
import type { InboxListener } from "../live/inbox-connection";
import type { InboxStore } from "../live/inbox-store";

/**
 * The inbox store, read inside a component: reading `inboxVersion` subscribes the
 * component, so it re-renders after every frame the store applied.
 */
export function useInboxStore(): InboxStore | null {
  void inboxVersion.value;
  return inbox.value?.store ?? null;
}

/** Calls `listener` for each inbox frame while the component is mounted. */
export function useInboxFrames(listener: InboxListener, deps: unknown[]): void {
  useEffect(() => inbox.value?.subscribe(listener), [inbox.value, ...deps]);
}

/** `refresh` runs every 30 s while (and only while) the inbox socket is down. */
export function useWhileDown(refresh: () => void, deps: unknown[]): void {
  useEffect(() => inbox.value?.whileDown(refresh), [inbox.value, ...deps]);
}
