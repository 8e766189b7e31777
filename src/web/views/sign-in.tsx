import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
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
export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn(): void }) {
  const [users, setUsers] = useState<DemoUser[] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api<{ users: DemoUser[] }>("GET", "/api/dev/sign-in")
      .then(({ users }) => setUsers(users))
      // 404: demo sign-in is off (production); nothing to offer.
      .catch(() => {});
  }, []);
  const signIn = async (u: DemoUser) => {
    try {
      const { token } = await api<{ token: string }>("POST", "/api/dev/sign-in", { userCode: u.userCode });
      if (storeToken(token)) onSignedIn();
    } catch (e) {
      setError(t("errorPrefix", { message: (e as Error).message }));
    }
  };
  return (
    <div class="page">
      <h1>{t("signInTitle")}</h1>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <p>{t("signInHostHelp")}</p>
      {users ? (
        <section aria-labelledby="demo-title">
          <h2 id="demo-title">{t("signInDemo")}</h2>
          <ul class="demo-users">
            {users.map((u) => (
              <li key={u.userCode}>
                <button type="button" data-user={u.userCode} onClick={() => void signIn(u)}>
                  {t("signInAs", { name: u.name, code: u.userCode, role: u.role })}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <p class="error" role="alert">
        {error}
      </p>
    </div>
  );
}
