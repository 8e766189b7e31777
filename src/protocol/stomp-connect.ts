/** How the Worker hands a STOMP upgrade to its connection object (src/inbox/stomp-object.ts). */
export type StompTransport = "plain" | "sockjs";

export const STOMP_CONNECT_HEADERS = {
  /** `plain` (/ws/chat) or `sockjs` (/ws/chat/{server}/{session}/websocket). */
  transport: "X-Stomp-Transport",
  /** The subprotocol the Worker picked from the client's offer (empty: none). */
  subprotocol: "X-Stomp-Subprotocol",
} as const;
