import type { ChatMessage } from "../domain/types";

/** One STOMP connection's host object as the Worker and the rooms see it (StompDO, one per connection). */
export type StompStub = ReturnType<Env["STOMP"]["getByName"]>;

/**
 * The typed client of the STOMP connection hosts (src/inbox/stomp-object.ts). A host is
 * named by a random id the Worker picks at the upgrade (before anyone knows the user):
 * rooms and the user's inbox address it by that name. Every call answers whether the
 * connection is still there, so a registry can drop a host that is gone.
 */
export interface StompClient {
  stub(host: string): StompStub;
  /** Stored messages of one room, in seq order, for this connection. */
  deliver(host: string, batch: ChatMessage[]): Promise<boolean>;
  /** One of the user's consultations opened (created, approved, taken): follow its room. */
  watchRoom(host: string, requestIdx: number): Promise<boolean>;
  /** Whether the connection is still open (a registry prunes with it). */
  alive(host: string): Promise<boolean>;
}

export function createStompClient(env: Pick<Env, "STOMP">): StompClient {
  const stub = (host: string) => env.STOMP.getByName(host);
  return {
    stub,
    deliver: (host, batch) => stub(host).deliver(batch),
    watchRoom: (host, requestIdx) => stub(host).watchRoom(requestIdx),
    alive: (host) => stub(host).alive(),
  };
}
