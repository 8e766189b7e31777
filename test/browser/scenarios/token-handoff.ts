import { CONTEXT_DEFAULTS, check, checkEqual, type Scenario } from "../support/harness";

/**
 * Production sign-in: the host application opens the app with `#token=<JWT>`. The app
 * signs in with it, removes it from the address bar, and deep links keep their path.
 */
export const tokenHandoff: Scenario = {
  name: "host application hands the JWT in the URL fragment",
  async run(world) {
    const res = await fetch(`${world.baseUrl}/api/dev/sign-in`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ userCode: "PROF001" }),
    });
    const { token } = (await res.json()) as { token: string };
    const context = await world.browser.newContext({ ...CONTEXT_DEFAULTS, baseURL: world.baseUrl });
    try {
      const page = await context.newPage();
      await page.goto(`/queue#token=${token}`);
      await page.locator("header .who", { hasText: "PROF001" }).waitFor();
      await page.getByRole("heading", { name: "상담 대기열" }).waitFor();
      checkEqual(new URL(page.url()).hash, "", "the token is gone from the address bar");
      checkEqual(await page.evaluate(() => sessionStorage.getItem("consult.token")), token, "kept in this tab's sessionStorage");

      await page.goto("/#token=not-a-jwt");
      // A malformed token replaces the stored one and is dropped: the user must sign in again.
      await page.getByRole("heading", { name: "로그인", exact: true }).waitFor();
      check((await page.evaluate(() => sessionStorage.getItem("consult.token"))) === null, "the bad token is not kept");
      await page.locator('button[data-user="STU001"]').waitFor();
      await world.screenshot(page, "sign-in");
    } finally {
      await context.close();
    }
  },
};
