/** The API's shapes as the browser sees them (SPEC sections 2 and 4). */

export type { Consultation } from "../domain/types";
