import { t } from "../i18n";

/** A failed load: what went wrong and a way to try again. */
export function ErrorBox({ error, retry }: { error: unknown; retry: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="error-box" role="alert">
      <p>{t("errorPrefix", { message })}</p>
      <button type="button" onClick={retry}>
        {t("retry")}
      </button>
    </div>
  );
}
