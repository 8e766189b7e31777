import { useState } from "preact/hooks";
import { consultations } from "../api";
import { navigate } from "../app/app-state";
import { t } from "../i18n";

const CATEGORY_SUGGESTIONS = ["일반", "결제", "기술 지원", "general", "billing", "technical"];

/** A new request, either to a named counselor or to a category queue (SPEC: exactly one). */
export function NewRequest() {
  const [toQueue, setToQueue] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError("");
    const form = e.currentTarget as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const body: Record<string, unknown> = { title: value("title") };
    if (toQueue) body.category = value("category");
    else body.recipientUserCode = value("recipientUserCode").toUpperCase();
    if (value("content")) body.content = value("content");
    if (value("scheduledAt")) body.scheduledAt = new Date(value("scheduledAt")).toISOString();
    setBusy(true);
    try {
      const created = await consultations.create(body);
      navigate(`/consultations/${created.requestIdx}`);
    } catch (err) {
      setError(t("errorPrefix", { message: (err as Error).message }));
      setBusy(false);
    }
  };

  return (
    <div class="page">
      <h1>{t("newTitle")}</h1>
      <form class="card form" onSubmit={submit}>
        <fieldset>
          <legend>{t("newTarget")}</legend>
          <label class="inline">
            <input type="radio" name="target" value="counselor" checked={!toQueue} onChange={() => setToQueue(false)} /> {t("newToCounselor")}
          </label>
          <label class="inline">
            <input type="radio" name="target" value="queue" checked={toQueue} onChange={() => setToQueue(true)} /> {t("newToQueue")}
          </label>
        </fieldset>
        <div class="field" hidden={toQueue}>
          <label for="recipient">{t("newRecipient")}</label>
          <input id="recipient" name="recipientUserCode" required={!toQueue} maxLength={64} autoComplete="off" aria-describedby="recipient-help" />
          <small id="recipient-help">{t("newRecipientHelp")}</small>
        </div>
        <div class="field" hidden={!toQueue}>
          <label for="category">{t("newCategory")}</label>
          <input id="category" name="category" required={toQueue} maxLength={64} list="categories" aria-describedby="category-help" />
          <small id="category-help">{t("newCategoryHelp")}</small>
          <datalist id="categories">
            {CATEGORY_SUGGESTIONS.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </div>
        <div class="field">
          <label for="title">{t("newTitleField")}</label>
          <input id="title" name="title" required maxLength={200} />
        </div>
        <div class="field">
          <label for="content">{t("newContent")}</label>
          <textarea id="content" name="content" rows={4} maxLength={4000} />
        </div>
        <div class="field">
          <label for="scheduledAt">{t("newScheduledAt")}</label>
          <input id="scheduledAt" name="scheduledAt" type="datetime-local" />
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {t("newSubmit")}
        </button>
        <p class="error" role="alert">
          {error}
        </p>
      </form>
    </div>
  );
}
