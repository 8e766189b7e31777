import { consultations } from "../api";
import { h } from "../dom";
import { t, type MessageKey } from "../i18n";
import type { Consultation } from "../types";
import type { Action } from "./consultation-rules";

interface Field {
  name: string;
  label: MessageKey;
  kind: "text" | "textarea" | "datetime";
  required?: boolean;
}

/** Each action's form: what it asks for before it is sent. `start` asks nothing. */
const FORMS: Record<Action, { label: MessageKey; fields: Field[]; confirm?: MessageKey }> = {
  approve: { label: "approve", fields: [{ name: "scheduledAt", label: "approveTime", kind: "datetime" }] },
  reject: { label: "reject", fields: [{ name: "reason", label: "rejectReason", kind: "textarea", required: true }] },
  cancel: { label: "cancel", fields: [{ name: "reason", label: "cancelReasonField", kind: "textarea" }] },
  start: { label: "start", fields: [] },
  transfer: { label: "transfer", fields: [{ name: "toUserCode", label: "transferTo", kind: "text" }] },
  end: { label: "end", fields: [], confirm: "endConfirm" },
};

/**
 * The action buttons of a consultation. Actions that need input (or a confirmation)
 * open a small form under their button; the button says so with aria-expanded.
 */
export function actionPanel(c: Consultation, actions: Action[], onDone: (updated: Consultation) => void): HTMLElement {
  const error = h("p", { class: "error", role: "alert" });
  const forms = h("div", { class: "action-forms" });
  const buttons = h("div", { class: "actions" });
  for (const action of actions) {
    const spec = FORMS[action];
    const button = h("button", { type: "button", "data-action": action }, t(spec.label));
    buttons.append(button);
    if (spec.fields.length === 0 && !spec.confirm) {
      button.addEventListener("click", () => void run(action, {}));
      continue;
    }
    const form = actionForm(action, spec, (body) => run(action, body));
    form.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", form.id);
    button.addEventListener("click", () => {
      const open = form.hidden;
      for (const f of forms.children) (f as HTMLElement).hidden = true;
      for (const b of buttons.querySelectorAll("[aria-expanded]")) b.setAttribute("aria-expanded", "false");
      form.hidden = !open;
      button.setAttribute("aria-expanded", String(open));
      if (open) form.querySelector<HTMLElement>("input, textarea, button")?.focus();
    });
    forms.append(form);
  }

  async function run(action: Action, body: Record<string, unknown>): Promise<void> {
    error.textContent = "";
    for (const b of buttons.querySelectorAll("button")) b.disabled = true;
    try {
      onDone(await consultations.act(c.requestIdx, action, body));
    } catch (e) {
      error.textContent = t("errorPrefix", { message: (e as Error).message });
      for (const b of buttons.querySelectorAll("button")) b.disabled = false;
    }
  }

  return h("section", { class: "card", "aria-labelledby": "actions-title" }, h("h2", { id: "actions-title" }, t("actions")), buttons, forms, error);
}

function actionForm(action: Action, spec: (typeof FORMS)[Action], submit: (body: Record<string, unknown>) => Promise<void>): HTMLFormElement {
  const form = h("form", { id: `form-${action}`, class: "action-form", "data-form": action });
  if (spec.confirm) form.append(h("p", {}, t(spec.confirm)));
  for (const f of spec.fields) {
    const id = `${action}-${f.name}`;
    const attrs = { id, name: f.name, required: f.required ?? false };
    const input =
      f.kind === "textarea" ? h("textarea", { ...attrs, rows: 2, maxlength: 500 }) : h("input", { ...attrs, type: f.kind === "datetime" ? "datetime-local" : "text", maxlength: 64 });
    form.append(h("label", { for: id }, t(f.label)), input);
  }
  form.append(h("button", { type: "submit", class: "primary" }, `${t(spec.label)} — ${t("confirm")}`));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    for (const f of spec.fields) {
      const value = (form.elements.namedItem(f.name) as HTMLInputElement).value.trim();
      if (!value) continue;
      // datetime-local is the user's local time; the API wants ISO-8601 UTC.
      body[f.name] = f.kind === "datetime" ? new Date(value).toISOString() : value;
    }
    void submit(body);
  });
  return form;
}
