/**
 * Which of `shards` registry objects keeps `key` (a user code): a stable string hash, the
 * same in every isolate and every release, since the registry's rows live in that shard.
 */
export function shardOf(key: string, shards: number): number {
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return h % shards;
}

/** `keys` (deduplicated) by the shard that keeps each: one call per shard a lookup involves. */
export function groupByShard(keys: Iterable<string>, shards: number): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const key of new Set(keys)) {
    const i = shardOf(key, shards);
    groups.set(i, [...(groups.get(i) ?? []), key]);
  }
  return groups;
}
