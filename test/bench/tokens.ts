import { SignJWT } from "jose";

/** Who takes part in a benchmark room, with the bearer token the product accepts. */
export interface Participant {
  userCode: string;
  name: string;
  role: "student" | "professor";
  token: string;
}

/** HS256 with the JWT_SECRET the benchmark gives `wrangler dev`; valid for 3 hours. */
export async function mintParticipant(
  secret: string,
  userCode: string,
  role: Participant["role"],
): Promise<Participant> {
  const name = `${role === "student" ? "Student" : "Professor"} ${userCode}`;
  const token = await new SignJWT({ name, role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userCode)
    .setIssuedAt()
    .setExpirationTime("3h")
    .sign(new TextEncoder().encode(secret));
  return { userCode, name, role, token };
}
