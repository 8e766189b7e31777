import { groupByShard, shardOf } from "../domain/shard";

/** The push directory's shards (src/push/push-directory-object.ts): no single object answers every queue batch. */
export const PUSH_DIRECTORY_SHARDS = 4;

/**
 * The Worker's typed reach into the push objects and the webhook log (the routes and the
 * queue consumer); nothing else names their bindings.
 */
export function createNotifyClient(env: Env) {
  const shard = (i: number) => env.PUSH_DIRECTORY.getByName(`shard-${i}`);
  const shardOfUser = (userCode: string) => shard(shardOf(userCode, PUSH_DIRECTORY_SHARDS));
  return {
    /** A user's PushDO: devices, dedupe, batching windows. */
    push: (userCode: string) => env.PUSH.getByName(userCode),
    /** The directory of users with a device: kept in step with their PushDO by whoever adds or loses a device. */
    directory: {
      add: (userCode: string, counselor: boolean) => shardOfUser(userCode).add(userCode, counselor),
      forget: (userCode: string) => shardOfUser(userCode).forget(userCode),
      /** The ones of `userCodes` a push can reach (one call per shard they fall in). */
      async reachableOf(userCodes: Iterable<string>): Promise<Set<string>> {
        const found = await Promise.all([...groupByShard(userCodes, PUSH_DIRECTORY_SHARDS)].map(([i, users]) => shard(i).reachableOf(users)));
        return new Set(found.flat());
      },
      /** Every counselor with a device (queue requests). */
      async counselors(): Promise<string[]> {
        const lists = await Promise.all(Array.from({ length: PUSH_DIRECTORY_SHARDS }, (_, i) => shard(i).counselors()));
        return lists.flat().sort();
      },
    },
    /** The webhook deliveries log. */
    webhookLog: () => env.WEBHOOK_LOG.getByName("all"),
  };
}

export type NotifyClient = ReturnType<typeof createNotifyClient>;
