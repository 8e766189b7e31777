/** Shortcuts for lifecycle tests: create a consultation and drive it to a given state. */
import { expect } from "vitest";
import type { Consultation } from "../../src/domain/types";
import { apiJson, people, type Claims } from "./api";

let counter = 0;
/** A user code no other test uses, so suites sharing one D1 never see each other's rows. */
export const uniqueCode = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`.toUpperCase();

export async function createConsultation(as: Claims, body: Record<string, unknown>): Promise<Consultation> {
  const res = await apiJson<Consultation>("/api/consultations", { token: as, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** POST /api/consultations/{id}/{action} with an optional JSON body. */
export function act(as: Claims, id: number, action: string, body?: unknown) {
  return apiJson(`/api/consultations/${id}/${action}`, { token: as, method: "POST", body });
}

export async function actOk(as: Claims, id: number, action: string, body?: unknown): Promise<Consultation> {
  const res = await act(as, id, action, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Consultation;
}

/** A student's request to PROF001, driven to `state` (SCHEDULED, IN_PROGRESS, ...). */
export async function namedConsultation(
  state: "PENDING" | "SCHEDULED" | "IN_PROGRESS" | "TRANSFERRED" | "COMPLETED" = "PENDING",
  requester: Claims = people.student,
): Promise<Consultation> {
  let c = await createConsultation(requester, { recipientUserCode: people.professor.sub, title: "수업 관련 질문" });
  if (state === "PENDING") return c;
  c = await actOk(people.professor, c.requestIdx, "approve");
  if (state === "SCHEDULED") return c;
  c = await actOk(people.professor, c.requestIdx, "start");
  if (state === "IN_PROGRESS") return c;
  if (state === "TRANSFERRED") return actOk(people.professor, c.requestIdx, "transfer", { toUserCode: people.professor2.sub });
  return actOk(requester, c.requestIdx, "end");
}

/** An unassigned support-queue item. */
export function queueItem(category = "billing", requester: Claims = people.student): Promise<Consultation> {
  return createConsultation(requester, { category, title: "결제 문의" });
}
