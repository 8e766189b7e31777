import { useEffect, useRef, useState } from "preact/hooks";
import { configureApi } from "../api";
import { probeCapabilities } from "../capabilities";
import { dropAllSessions } from "../chat/chat-sessions";
import { t } from "../i18n";
import { InboxConnection } from "../live/inbox-connection";
import { forgetPush } from "../push/push-subscription";
import { clearSession, loadSession } from "../session";
import { AdminDashboard } from "../admin/dashboard";
import { NewRequest } from "../views/new-request";
import { SignIn } from "../views/sign-in";
import { Workspace } from "../workspace/workspace";
import { caps, inbox, inboxVersion, path, session } from "./app-state";
import { Header } from "./header";

function signedOut(): void {
  // This browser's push subscription belongs to the user who made it (push-subscription.ts).
  forgetPush();
  clearSession();
  session.value = null;
  dropAllSessions();
  inbox.value?.close();
  inbox.value = null;
}

/** Opens the tab's one inbox socket (SPEC section 9) once signed in. */
function openInbox(): void {
  if (inbox.value) return;
  const connection = new InboxConnection();
  // For people and tests alike: whether the live updates are on (styles may show it).
  connection.onStatus((status) => {
    document.documentElement.dataset.inbox = status;
    inboxVersion.value++;
  });
  connection.subscribe(() => inboxVersion.value++);
  inbox.value = connection;
}

/** The app: session, capabilities, header and the view of the current path. */
export function App() {
  const [booted, setBooted] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  async function boot(): Promise<void> {
    const s = loadSession();
    configureApi(s?.token ?? null, () => {
      signedOut();
      setNotice(t("sessionExpired"));
    });
    if (s) caps.value = await probeCapabilities().catch(() => caps.value);
    session.value = s;
    if (s) openInbox();
    setBooted(true);
  }
  useEffect(() => void boot(), []);

  const current = session.value;
  const route = path.value;
  // The first page load leaves focus at the top (skip link first); later renders are
  // in-app navigation and move focus to the new view's heading.
  useEffect(() => {
    if (!booted) return;
    document.title = t("appName");
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const heading = mainRef.current?.querySelector<HTMLElement>("h1");
    if (!heading) return;
    heading.tabIndex = -1;
    heading.focus();
  }, [booted, route, current?.userCode]);

  if (!booted) return <p>{t("loading")}</p>;
  return (
    <>
      <Header current={current} signOut={signedOut} />
      <main id="main" ref={mainRef} class={current && isWorkspace(route) ? "wide" : undefined}>
        {current ? <View route={route} /> : <SignIn notice={notice} onSignedIn={() => (setNotice(null), void boot())} />}
      </main>
    </>
  );
}

const isWorkspace = (route: string) => route === "/" || route === "/queue" || /^\/consultations\/\d+$/.test(route) || route === "/admin";

function View({ route }: { route: string }) {
  if (route === "/") return <Workspace selectedId={null} queueFirst={false} />;
  if (route === "/queue") return <Workspace selectedId={null} queueFirst />;
  if (route === "/new") return <NewRequest />;
  if (route === "/admin") return caps.value.admin ? <AdminDashboard /> : <h1>{t("notFound")}</h1>;
  const id = /^\/consultations\/(\d+)$/.exec(route)?.[1];
  if (id) return <Workspace selectedId={Number(id)} queueFirst={false} />;
  return <h1>{t("notFound")}</h1>;
}
