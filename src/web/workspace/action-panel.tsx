import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { consultations } from "../api";
import { t, type MessageKey } from "../i18n";
import type { Consultation } from "../types";
import type { Action } from "../views/consultation-rules";

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

interface Props {
  consultation: Consultation;
  actions: Action[];
  onDone(updated: Consultation): void;
  /** The action whose form is open (the workspace's "end" shortcut opens one). */
  open: Action | null;
  setOpen(action: Action | null): void;
}

/**
 * The action buttons of a consultation. Actions that need input (or a confirmation)
 * open a small form under their button; the button says so with aria-expanded.
 */
export function ActionPanel({ consultation: c, actions, onDone, open, setOpen }: Props) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function run(action: Action, body: Record<string, unknown>): Promise<void> {
    setError("");
    setBusy(true);
    try {
      const updated = await consultations.act(c.requestIdx, action, body);
      setOpen(null);
      onDone(updated);
    } catch (e) {
      setError(t("errorPrefix", { message: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="actions-title">
      <h2 id="actions-title">{t("actions")}</h2>
      <div class="actions">
        {actions.map((action) => {
          const spec = FORMS[action];
          const direct = spec.fields.length === 0 && !spec.confirm;
          return (
            <button
              key={action}
              type="button"
              data-action={action}
              disabled={busy}
              aria-expanded={direct ? undefined : open === action ? "true" : "false"}
              aria-controls={direct ? undefined : `form-${action}`}
              onClick={() => (direct ? void run(action, {}) : setOpen(open === action ? null : action))}
            >
              {t(spec.label)}
            </button>
          );
        })}
      </div>
      {open && actions.includes(open) ? <ActionForm key={open} action={open} busy={busy} submit={(body) => run(open, body)} /> : null}
      <p class="error" role="alert">
        {error}
      </p>
    </section>
  );
}

function ActionForm({ action, busy, submit }: { action: Action; busy: boolean; submit: (body: Record<string, unknown>) => Promise<void> }) {
  const spec = FORMS[action];
  const ref = useRef<HTMLFormElement>(null);
  // Opening the form moves focus into it (once, not on every re-render).
  useLayoutEffect(() => ref.current?.querySelector<HTMLElement>("input, textarea, button")?.focus(), []);
  return (
    <form
      id={`form-${action}`}
      class="action-form"
      data-form={action}
      ref={ref}
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget as HTMLFormElement;
        const body: Record<string, unknown> = {};
        for (const f of spec.fields) {
          const value = (form.elements.namedItem(f.name) as HTMLInputElement).value.trim();
          if (!value) continue;
          // datetime-local is the user's local time; the API wants ISO-8601 UTC.
          body[f.name] = f.kind === "datetime" ? new Date(value).toISOString() : value;
        }
        void submit(body);
      }}
    >
      {spec.confirm ? <p>{t(spec.confirm)}</p> : null}
      {spec.fields.map((f) => {
        const id = `${action}-${f.name}`;
        return [
          <label for={id}>{t(f.label)}</label>,
          f.kind === "textarea" ? (
            <textarea id={id} name={f.name} required={f.required ?? false} rows={2} maxLength={500} />
          ) : (
            f.kind === "datetime" ? (
              <input id={id} name={f.name} required={f.required ?? false} type="datetime-local" />
            ) : (
              <input id={id} name={f.name} required={f.required ?? false} type="text" maxLength={64} />
            )
          ),
        ];
      })}
      <button type="submit" class="primary" disabled={busy}>
        {`${t(spec.label)} — ${t("confirm")}`}
      </button>
    </form>
  );
}
