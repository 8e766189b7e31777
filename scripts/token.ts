/**
 * `npm run token -- --sub STU001 --name 홍길동 --role student [--exp 1h]`: prints an
 * HS256 JWT signed with JWT_SECRET from .dev.vars, for trying the API with curl.
 */
import { SignJWT } from "jose";
import { parseArgs } from "node:util";
import { devVarsPath, readDevVars } from "./dev-vars";

const usage = "usage: npm run token -- --sub STU001 --name 홍길동 --role student [--exp 1h] [--iss ISSUER] [--aud AUDIENCE]";

function fail(message: string): never {
  console.error(`token: ${message}\n${usage}`);
  process.exit(2);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      sub: { type: "string" },
      name: { type: "string" },
      role: { type: "string" },
      exp: { type: "string", default: "1h" },
      iss: { type: "string" },
      aud: { type: "string" },
    },
  }));
} catch (e) {
  fail((e as Error).message);
}
if (!values.sub) fail("--sub is required");

const vars = readDevVars();
if (!vars) fail(`${devVarsPath} does not exist yet: run \`npm run dev\` once (it creates it)`);
const secret = vars.JWT_SECRET;
if (!secret) fail(`${devVarsPath} has no JWT_SECRET`);

// JWT_ISSUER / JWT_AUDIENCE from .dev.vars apply unless given on the command line.
const issuer = values.iss ?? vars.JWT_ISSUER;
const audience = values.aud ?? vars.JWT_AUDIENCE;

let jwt = new SignJWT({ name: values.name ?? values.sub, role: values.role ?? "student" })
  .setProtectedHeader({ alg: "HS256", typ: "JWT" })
  .setSubject(values.sub)
  .setIssuedAt();
try {
  jwt = jwt.setExpirationTime(values.exp!);
} catch {
  fail(`--exp ${values.exp} is not a time span such as 30m, 1h or 7d`);
}
if (issuer) jwt = jwt.setIssuer(issuer);
if (audience) jwt = jwt.setAudience(audience);
console.log(await jwt.sign(new TextEncoder().encode(secret)));
