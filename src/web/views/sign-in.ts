import { api } from "../api";
import { append, h } from "../dom";
import { t } from "../i18n";
import { storeToken } from "../session";

interface DemoUser {
  userCode: string;
  name: string;
  role: string;
}

/**
 * Without a token: explain how production signs in (the host application opens the app
 * with `#token=`), and, when the server runs with DEV_AUTH=true, offer the demo users.
 */
export function signInView(root: HTMLElement, notice: string | null, onSignedIn: () => void): void {
  const list = h("ul", { class: "demo-users" });
  const demo = h("section", { "aria-labelledby": "demo-title", hidden: true }, h("h2", { id: "demo-title" }, t("signInDemo")), list);
  const error = h("p", { class: "error", role: "alert" });
  append(
    root,
    h("h1", {}, t("signInTitle")),
    notice ? h("p", { class: "notice", role: "status" }, notice) : null,
    h("p", {}, t("signInHostHelp")),
    demo,
    error,
  );
  api<{ users: DemoUser[] }>("GET", "/api/dev/sign-in")
    .then(({ users }) => {
      for (const u of users) {
        const button = h("button", { type: "button", "data-user": u.userCode }, t("signInAs", { name: u.name, code: u.userCode, role: u.role }));
        button.addEventListener("click", async () => {
          try {
            const { token } = await api<{ token: string }>("POST", "/api/dev/sign-in", { userCode: u.userCode });
            if (storeToken(token)) onSignedIn();
          } catch (e) {
            error.textContent = t("errorPrefix", { message: (e as Error).message });
          }
        });
        list.append(h("li", {}, button));
      }
      demo.hidden = false;
    })
    // 404: demo sign-in is off (production); nothing to offer.
    .catch(() => {});
}
