import { caps, navigate, path } from "./app-state";
import { lang, setLang, t } from "../i18n";
import { PushButton } from "../push/push-button";
import type { Session } from "../session";

/**
 * The top bar: skip link, brand, the role's menus, and the tools (who, notifications,
 * language). The Notifications button is src/web/push/'s permission button.
 */
export function Header({ current, signOut }: { current: Session | null; signOut(): void }) {
  const link = (to: string, label: string) => (
    <a href={to} aria-current={path.value === to ? "page" : undefined} data-link>
      {label}
    </a>
  );
  return (
    <header class="top">
      <a class="skip" href="#main">
        {t("skipToContent")}
      </a>
      <a class="brand" href="/" data-link>
        {t("appName")}
      </a>
      {current ? (
        <nav aria-label={t("appName")}>
          {link("/", t("navMine"))}
          {link("/new", t("navNew"))}
          {caps.value.counselor ? link("/queue", t("navQueue")) : null}
          {caps.value.admin ? link("/admin", t("navAdmin")) : null}
        </nav>
      ) : null}
      <div class="tools">
        {current ? (
          <span class="who">
            {`${current.name} (${current.userCode})`}
            <button type="button" class="link" onClick={() => (signOut(), navigate("/"))}>
              {t("signOut")}
            </button>
          </span>
        ) : null}
        {/* Notifications: the web-push permission button (src/web/push/), signed in only. */}
        {current ? <PushButton /> : null}
        <button type="button" class="link" aria-label={`${t("languageLabel")}: ${t("language")}`} onClick={() => setLang(lang() === "ko" ? "en" : "ko")}>
          {t("language")}
        </button>
      </div>
    </header>
  );
}
