import { describe, expect, it } from "vitest";
import type { Consultation } from "../../../src/domain/types";
import { availableActions, canChat, isOpen, type Viewer } from "../../../src/web/views/consultation-rules";

function consultation(over: Partial<Consultation>): Consultation {
  return {
    requestIdx: 1, status: "PENDING", requesterUserCode: "STU001", requesterName: "홍길동",
    recipientUserCode: "PROF001", recipientName: "김교수", category: null, title: "t", content: null,
    scheduledAt: null, rejectionReason: null, cancelReason: null, createdAt: "", updatedAt: "",
    startedAt: null, endedAt: null, durationMinutes: null, lastActivityAt: null, messageCount: 0,
    chatLogKey: null, endedBy: null, ...over,
  };
}

const student: Viewer = { userCode: "STU001", counselor: false, admin: false };
const professor: Viewer = { userCode: "PROF001", counselor: true, admin: false };
const otherProfessor: Viewer = { userCode: "PROF002", counselor: true, admin: false };
const agent: Viewer = { userCode: "AGT001", counselor: true, admin: false };
const admin: Viewer = { userCode: "ADM001", counselor: false, admin: true };

describe("consultation actions per role (SPEC section 2)", () => {
  it("a new request: the named recipient approves, starts or rejects; the requester cancels", () => {
    const c = consultation({});
    expect(availableActions(c, professor)).toEqual(["approve", "start", "reject"]);
    expect(availableActions(c, student)).toEqual(["cancel"]);
    expect(availableActions(c, otherProfessor)).toEqual([]);
    expect(availableActions(c, admin)).toEqual([]);
  });

  it("a queue item: any counselor may take it, nobody may reject it", () => {
    const c = consultation({ recipientUserCode: null, recipientName: null, category: "billing", requesterUserCode: "CUS001" });
    expect(availableActions(c, agent)).toEqual(["approve", "start"]);
    expect(availableActions(c, { ...student, userCode: "CUS001" })).toEqual(["cancel"]);
  });

  it("scheduled and in progress: start, transfer, end for the recipient; end for both", () => {
    expect(availableActions(consultation({ status: "SCHEDULED" }), professor)).toEqual(["start", "transfer", "end"]);
    expect(availableActions(consultation({ status: "SCHEDULED" }), student)).toEqual(["cancel", "end"]);
    const running = consultation({ status: "IN_PROGRESS", startedAt: "x" });
    expect(availableActions(running, professor)).toEqual(["transfer", "end"]);
    expect(availableActions(running, student)).toEqual(["end"]);
    expect(availableActions(running, admin)).toEqual(["transfer", "end"]);
  });

  it("after a transfer back to the queue: only the requester chats, a counselor may take it", () => {
    const c = consultation({ status: "PENDING", startedAt: "x", recipientUserCode: null, recipientName: null });
    expect(isOpen(c)).toBe(true);
    expect(availableActions(c, student)).toEqual(["end"]);
    expect(availableActions(c, agent)).toEqual(["approve", "start"]);
    expect(canChat(c, student)).toBe(true);
    expect(canChat(c, agent)).toBe(false);
  });

  it("finished consultations offer nothing and no chat", () => {
    for (const status of ["COMPLETED", "REJECTED", "CANCELLED"] as const) {
      const c = consultation({ status, startedAt: "x" });
      for (const v of [student, professor, admin]) {
        expect(availableActions(c, v)).toEqual([]);
        expect(canChat(c, v)).toBe(false);
      }
    }
  });

  it("chat: both participants once scheduled, admins read along, strangers never", () => {
    const c = consultation({ status: "SCHEDULED" });
    expect([student, professor, admin, otherProfessor].map((v) => canChat(c, v))).toEqual([true, true, true, false]);
  });
});
