import { archiveKeys, type ArchiveStore } from "../stores/archive-store/port";
import { TRANSCRIPT_CONTENT_TYPE } from "../protocol/transcript";

export interface FinalArchiveInput {
  archive: ArchiveStore;
  requestIdx: number;
  /** The transcript of the room's hot messages, or null when the room has none (left). */
  transcript: string | null;
}

/**
 * Step 2 of ending (SPEC section 6), minus deleting the hot messages, which the room does
 * after this resolves. Returns the final archive key, or null when there is nothing to
 * archive (no hot messages, no snapshot, no earlier final archive).
 *
 * - Hot messages: their transcript is the final archive.
 * - None (the hot store expired while the room sat idle): the latest snapshot is copied
 *   to the final key, so no message is lost.
 * - Neither, but a final archive exists: an earlier attempt got this far and then failed
 *   (e.g. the repository update); keep it, never replace it with nothing.
 *
 * Snapshots are deleted only after the final archive is written; any failure throws
 * ApiError UPSTREAM_UNAVAILABLE with nothing deleted, so calling again converges.
 */
export async function writeFinalArchive({ archive, requestIdx, transcript }: FinalArchiveInput): Promise<string | null> {
  const finalKey = archiveKeys.final(requestIdx);
  const snapshots = await archive.list(archiveKeys.snapshotPrefix(requestIdx));
  const body = transcript || (await latestSnapshotBody(archive, snapshots));
  let archived: string | null = null;
  if (body !== null) {
    await archive.put(finalKey, body, TRANSCRIPT_CONTENT_TYPE);
    archived = finalKey;
  } else if (await archive.get(finalKey)) {
    archived = finalKey;
  }
  if (snapshots.length) await archive.delete(snapshots);
  return archived;
}

/** The newest snapshot with content (keys sort by their yyyyMMddHHmmss suffix). */
async function latestSnapshotBody(archive: ArchiveStore, snapshots: readonly string[]): Promise<string | null> {
  for (let i = snapshots.length - 1; i >= 0; i--) {
    const body = await archive.get(snapshots[i]!);
    if (body) return body;
  }
  return null;
}

export interface SnapshotInput {
  archive: ArchiveStore;
  requestIdx: number;
  /** The transcript of every hot message of the room, as the final archive would be. */
  transcript: string;
  at: Date;
}

/**
 * Backs up a room (SPEC section 6, "Backups"): PUTs `temp/chat_{id}_snapshot_{ts}.txt`,
 * then removes the room's other snapshots. The new one is written first, so the room
 * always has at least one backup; it holds every message the older ones held, because
 * the room is the single writer and its hot store only grows until the end.
 * Returns the new snapshot's key.
 */
export async function writeSnapshot({ archive, requestIdx, transcript, at }: SnapshotInput): Promise<string> {
  const key = archiveKeys.snapshot(requestIdx, at);
  await archive.put(key, transcript, TRANSCRIPT_CONTENT_TYPE);
  const older = (await archive.list(archiveKeys.snapshotPrefix(requestIdx))).filter((k) => k !== key);
  if (older.length) await archive.delete(older);
  return key;
}
