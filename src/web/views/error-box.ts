import { h } from "../dom";
import { t } from "../i18n";

/** A failed load: what went wrong and a way to try again. */
export function errorBox(error: unknown, retry: () => void): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  return h(
    "div",
    { class: "error-box", role: "alert" },
    h("p", {}, t("errorPrefix", { message })),
    h("button", { type: "button", onclick: retry }, t("retry")),
  );
}
