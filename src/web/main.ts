import "./styles.css";
import { configureApi } from "./api";
import type { AppContext, Capabilities, View } from "./app-context";
import { probeCapabilities } from "./capabilities";
import { h, clear, focusHeading } from "./dom";
import { lang, setLang, t } from "./i18n";
import { InboxConnection } from "./live/inbox-connection";
import { pushButton } from "./push/push-button";
import { forgetPush } from "./push/push-subscription";
import { clearSession, loadSession, type Session } from "./session";
import { adminStatsView } from "./views/admin-stats";
import { consultationView } from "./views/consultation-page";
import { consultationsView } from "./views/consultations-list";
import { newRequestView } from "./views/new-request";
import { queueView } from "./views/queue";
import { signInView } from "./views/sign-in";

const routes: { pattern: RegExp; view: View; names: string[] }[] = [
  { pattern: /^\/$/, view: consultationsView, names: [] },
  { pattern: /^\/new$/, view: newRequestView, names: [] },
  { pattern: /^\/queue$/, view: queueView, names: [] },
  { pattern: /^\/consultations\/(\d+)$/, view: consultationView, names: ["id"] },
  { pattern: /^\/admin$/, view: adminStatsView, names: [] },
];

const app = document.getElementById("app")!;
const live = document.getElementById("announcer")!;
let stopView: (() => void) | void;
let session: Session | null = null;
/** One inbox socket per tab while signed in (SPEC section 9). */
let inbox: InboxConnection | null = null;
let caps: Capabilities = { counselor: false, admin: false };
// The first page load leaves focus at the top (skip link first); later renders are
// in-app navigation and move focus to the new view's heading.
let firstRender = true;

function announce(message: string): void {
  live.textContent = "";
  // A fresh text node after clearing makes screen readers repeat identical messages too.
  requestAnimationFrame(() => (live.textContent = message));
}

function navigate(path: string): void {
  if (path !== location.pathname + location.search) history.pushState(null, "", path);
  void render();
}

async function boot(): Promise<void> {
  session = loadSession();
  configureApi(session?.token ?? null, () => {
    signedOut();
    void render(t("sessionExpired"));
  });
  if (session) caps = await probeCapabilities().catch(() => caps);
  await render();
}

async function render(notice?: string): Promise<void> {
  stopView?.();
  stopView = undefined;
  clear(app);
  document.title = t("appName");
  if (!session) {
    app.append(header(null));
    const main = h("main", { id: "main" });
    app.append(main);
    stopView = signInView(main, notice ?? null, () => void boot());
    settleFocus(main);
    return;
  }
  if (!inbox) {
    inbox = new InboxConnection();
    // For people and tests alike: whether the live updates are on (styles may show it).
    inbox.onStatus((status) => (document.documentElement.dataset.inbox = status));
  }
  const ctx: AppContext = { session, caps, inbox, navigate, announce };
  app.append(header(session));
  const main = h("main", { id: "main" });
  app.append(main);
  const route = routes.find((r) => r.pattern.test(location.pathname));
  if (!route) {
    main.append(h("h1", {}, t("notFound")));
  } else {
    const match = route.pattern.exec(location.pathname)!;
    const params = Object.fromEntries(route.names.map((n, i) => [n, match[i + 1]!]));
    stopView = route.view(main, ctx, params);
  }
  settleFocus(main);
}

function signedOut(): void {
  forgetPush();
  clearSession();
  session = null;
  inbox?.close();
  inbox = null;
}

function settleFocus(main: HTMLElement): void {
  if (!firstRender) focusHeading(main);
  firstRender = false;
}

function header(current: Session | null): HTMLElement {
  const link = (path: string, label: string) =>
    h("a", { href: path, "aria-current": location.pathname === path ? "page" : null, "data-link": true }, label);
  const nav = current
    ? h(
        "nav",
        { "aria-label": t("appName") },
        link("/", t("navMine")),
        link("/new", t("navNew")),
        caps.counselor && link("/queue", t("navQueue")),
        caps.admin && link("/admin", t("navAdmin")),
      )
    : null;
  const user = current
    ? h(
        "span",
        { class: "who" },
        `${current.name} (${current.userCode})`,
        h("button", { type: "button", class: "link", onclick: () => (signedOut(), navigate("/")) }, t("signOut")),
      )
    : null;
  const langButton = h(
    "button",
    { type: "button", class: "link", "aria-label": t("languageLabel"), onclick: () => (setLang(lang() === "ko" ? "en" : "ko"), void render()) },
    t("language"),
  );
  return h(
    "header",
    { class: "top" },
    h("a", { class: "skip", href: "#main" }, t("skipToContent")),
    h("a", { class: "brand", href: "/", "data-link": true }, t("appName")),
    nav,
    h("div", { class: "tools" }, user, current && pushButton(), langButton),
  );
}

// In-app links navigate without reloading (keeps the session and sockets tidy).
document.addEventListener("click", (e) => {
  const a = (e.target as Element).closest?.("a[data-link]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  navigate(a.getAttribute("href")!);
});
window.addEventListener("popstate", () => void render());

void boot();
