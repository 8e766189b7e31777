import { consultations } from "../api";
import type { View } from "../app-context";
import { h } from "../dom";
import { t } from "../i18n";

const CATEGORY_SUGGESTIONS = ["일반", "결제", "기술 지원", "general", "billing", "technical"];

/** A new request, either to a named counselor or to a category queue (SPEC: exactly one). */
export const newRequestView: View = (root, ctx) => {
  const radio = (value: string, label: string, checked: boolean) =>
    h("label", { class: "inline" }, h("input", { type: "radio", name: "target", value, checked }), " ", label);
  const recipient = h("input", { id: "recipient", name: "recipientUserCode", required: true, maxlength: 64, autocomplete: "off", "aria-describedby": "recipient-help" });
  const category = h("input", { id: "category", name: "category", maxlength: 64, list: "categories", "aria-describedby": "category-help" });
  const recipientField = h("div", { class: "field" }, h("label", { for: "recipient" }, t("newRecipient")), recipient, h("small", { id: "recipient-help" }, t("newRecipientHelp")));
  const categoryField = h(
    "div",
    { class: "field", hidden: true },
    h("label", { for: "category" }, t("newCategory")),
    category,
    h("small", { id: "category-help" }, t("newCategoryHelp")),
    h("datalist", { id: "categories" }, ...CATEGORY_SUGGESTIONS.map((c) => h("option", { value: c }))),
  );
  const error = h("p", { class: "error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, t("newSubmit"));
  const form = h(
    "form",
    { class: "card form" },
    h("fieldset", {}, h("legend", {}, t("newTarget")), radio("counselor", t("newToCounselor"), true), radio("queue", t("newToQueue"), false)),
    recipientField,
    categoryField,
    h("div", { class: "field" }, h("label", { for: "title" }, t("newTitleField")), h("input", { id: "title", name: "title", required: true, maxlength: 200 })),
    h("div", { class: "field" }, h("label", { for: "content" }, t("newContent")), h("textarea", { id: "content", name: "content", rows: 4, maxlength: 4000 })),
    h("div", { class: "field" }, h("label", { for: "scheduledAt" }, t("newScheduledAt")), h("input", { id: "scheduledAt", name: "scheduledAt", type: "datetime-local" })),
    submit,
    error,
  );
  root.append(h("h1", {}, t("newTitle")), form);

  form.addEventListener("change", (e) => {
    if ((e.target as HTMLInputElement).name !== "target") return;
    const toQueue = (form.elements.namedItem("target") as RadioNodeList).value === "queue";
    recipientField.hidden = toQueue;
    categoryField.hidden = !toQueue;
    recipient.required = !toQueue;
    category.required = toQueue;
  });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const toQueue = value("target") === "queue";
    const body: Record<string, unknown> = { title: value("title") };
    if (toQueue) body.category = value("category");
    else body.recipientUserCode = value("recipientUserCode").toUpperCase();
    if (value("content")) body.content = value("content");
    if (value("scheduledAt")) body.scheduledAt = new Date(value("scheduledAt")).toISOString();
    submit.disabled = true;
    try {
      const created = await consultations.create(body);
      ctx.navigate(`/consultations/${created.requestIdx}`);
    } catch (err) {
      error.textContent = t("errorPrefix", { message: (err as Error).message });
      submit.disabled = false;
    }
  });
};
