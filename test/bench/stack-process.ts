/**
 * The production stack's services for `npm run bench -- --stack production`, in a process
 * of their own: the Upstash and PlanetScale HTTP stand-ins and the S3 front are Node
 * servers, and run inside the load generator they would share its one event loop and be
 * counted as its CPU. Prints the stack's info as one JSON line, then serves until stopped
 * (SIGTERM stops the services it started).
 */
import { startStack } from "../services/stack";

const stack = await startStack();
process.stdout.write(`${JSON.stringify(stack.info)}\n`);
const stop = () => void stack.stop().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
