import type { Config } from "../config/config";
import type { Consultation } from "../domain/types";
import { ApiError } from "../domain/errors";
import type { ConsultationRepository, NewConsultation } from "../stores/consultation-repository/port";

const HOUR_MS = 3600_000;

/**
 * SPEC section 14: a requester holds at most `maxOpenRequests` open consultations and
 * creates at most `createsPerHour` in any sliding hour; 0 turns a limit off. The repository
 * checks and inserts in one statement, so parallel creates cannot overshoot; only when it
 * refuses is the load read again, to tell the client which limit it hit.
 */
export async function createWithinLimits(
  repository: ConsultationRepository,
  input: NewConsultation,
  limits: Config["limits"],
): Promise<Consultation> {
  const { maxOpenRequests, createsPerHour } = limits;
  if (maxOpenRequests === 0 && createsPerHour === 0) return repository.create(input);
  const since = new Date(input.now.getTime() - HOUR_MS);
  const created = await repository.createWithin(input, { maxOpen: maxOpenRequests, maxCreated: createsPerHour, since });
  if (created) return created;
  const load = await repository.requesterLoad(input.requesterUserCode, since);
  if (maxOpenRequests > 0 && load.open >= maxOpenRequests) {
    throw new ApiError("RATE_LIMITED", `You already have ${load.open} open consultations (at most ${maxOpenRequests}); end or cancel one first`);
  }
  const err = new ApiError("RATE_LIMITED", `At most ${createsPerHour} consultations may be created per hour; try again later`);
  // The oldest create of the hour leaving it frees a place.
  const freesAt = (load.oldestSince?.getTime() ?? input.now.getTime()) + HOUR_MS;
  err.retryAfter = Math.max(1, Math.ceil((freesAt - input.now.getTime()) / 1000));
  throw err;
}
