/**
 * STOMP version negotiation: from the WebSocket subprotocol (chosen at the upgrade) and
 * from CONNECT's `accept-version` (absent means a 1.0 client).
 */
export type StompVersion = "1.0" | "1.1" | "1.2";

/** Highest first: the order in which the server prefers them. */
export const STOMP_VERSIONS: readonly StompVersion[] = ["1.2", "1.1", "1.0"];

const SUBPROTOCOLS: Record<string, StompVersion> = { "v12.stomp": "1.2", "v11.stomp": "1.1", "v10.stomp": "1.0" };

/**
 * The subprotocol to answer an upgrade with: the highest STOMP version the client offers,
 * or null when it offers none (the socket then opens without a subprotocol and the version
 * comes from CONNECT alone, as for SockJS). Accepts the raw `Sec-WebSocket-Protocol` header.
 */
export function pickSubprotocol(offered: string | readonly string[] | null | undefined): string | null {
  const list = typeof offered === "string" ? offered.split(",") : (offered ?? []);
  const names = new Set(list.map((p) => p.trim().toLowerCase()));
  for (const version of STOMP_VERSIONS) {
    const name = subprotocolFor(version);
    if (names.has(name)) return name;
  }
  return null;
}

export function subprotocolFor(version: StompVersion): string {
  return `v${version.replace(".", "")}.stomp`;
}

export type VersionOutcome = { ok: true; version: StompVersion } | { ok: false; message: string };

/**
 * The version of a connection: the highest one the client accepts that the server speaks,
 * no higher than the subprotocol's when the socket was opened with one (the client chose
 * its framing at the upgrade).
 */
export function negotiateVersion(acceptVersion: string | undefined, subprotocol: string | null): VersionOutcome {
  const ceiling = subprotocol ? SUBPROTOCOLS[subprotocol.toLowerCase()] : undefined;
  const accepted = new Set(acceptVersion === undefined ? ["1.0"] : acceptVersion.split(",").map((v) => v.trim()));
  for (const version of STOMP_VERSIONS) {
    if (ceiling !== undefined && version > ceiling) continue;
    if (accepted.has(version)) return { ok: true, version };
  }
  const offered = acceptVersion === undefined ? "1.0" : acceptVersion;
  return { ok: false, message: `no common STOMP version: client accepts ${JSON.stringify(offered)}, server supports ${STOMP_VERSIONS.join(",")}` };
}
