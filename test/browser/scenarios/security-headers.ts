import type { BrowserContext, Page } from "playwright-core";
import { SECURITY_HEADERS } from "../../../src/http/security-headers";
import { act, consultationIdFromUrl, sendMessage, waitForChatOnline, waitForStatus, waitForStored } from "../support/app-driver";
import { CONTEXT_DEFAULTS, check, checkEqual, type Scenario, type World } from "../support/harness";
import { readDownload } from "../support/transcript";

/**
 * Records every Content-Security-Policy violation of a context: the `securitypolicyviolation`
 * events of each document (through a binding the page cannot skip) and Chromium's
 * "Refused to ..." console reports.
 */
async function watchCsp(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.exposeBinding("__cspViolation", (_source, text: string) => void violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __cspViolation(t: string): void }).__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  context.on("console", (m) => {
    if (/Refused to|Content Security Policy/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  return violations;
}

async function signedIn(world: World, userCode: string): Promise<{ context: BrowserContext; page: Page; violations: string[] }> {
  const context = await world.browser.newContext({ ...CONTEXT_DEFAULTS, baseURL: world.baseUrl, acceptDownloads: true });
  const violations = await watchCsp(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto("/");
  await page.locator(`button[data-user="${userCode}"]`).click();
  await page.locator("header .who", { hasText: userCode }).waitFor();
  return { context, page, violations };
}

/** The static app (served through the Worker) and its API answers carry exactly the SPEC 14 headers. */
async function checkHeaders(world: World): Promise<void> {
  for (const path of ["/", "/index.html", "/app/app.js", "/app/app.css", "/consultations/1", "/health", "/openapi.json", "/api/consultations"]) {
    const res = await fetch(`${world.baseUrl}${path}`);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) checkEqual(res.headers.get(name), value, `${name} on ${path}`);
  }
}

/**
 * SPEC section 14 in a real browser: the app runs under its Content-Security-Policy with no
 * violation, through sign-in, a request, approval, the chat socket, messages, the admin
 * chart and a transcript download; and the watcher does catch a violation when one happens.
 */
export const securityHeaders: Scenario = {
  name: "security headers: the app works under its CSP with no violation",
  async run(world) {
    await checkHeaders(world);
    const student = await signedIn(world, "STU001");
    const professor = await signedIn(world, "PROF001");
    const admin = await signedIn(world, "ADM001");
    try {
      const [s, p] = [student.page, professor.page];
      await s.getByRole("link", { name: "새 상담 신청" }).click();
      await s.locator("#recipient").fill("PROF001");
      await s.locator("#title").fill("CSP 확인");
      await s.getByRole("button", { name: "신청하기" }).click();
      const id = await consultationIdFromUrl(s);
      await p.goto(`/consultations/${id}`);
      await act(p, "approve");
      await waitForStatus(s, "SCHEDULED");
      await waitForChatOnline(s); // the chat socket (ws: on the own origin) is allowed
      await waitForChatOnline(p);
      await sendMessage(s, "안녕하세요 <img src=x onerror=alert(1)>");
      await sendMessage(p, "네");
      await waitForStored(s, ["안녕하세요 <img src=x onerror=alert(1)>", "네"]);
      const [download] = await Promise.all([s.waitForEvent("download"), s.locator('button[data-download="transcript"]').click()]);
      check((await readDownload(download)).includes("onerror=alert(1)"), "the transcript holds the message as text");
      await admin.page.goto("/admin");
      // A drawn bar (today's: this scenario created a request); empty days have zero height.
      await admin.page.locator('svg.chart rect.chart-bar:not([height="0"])').first().waitFor();

      const all = [...student.violations, ...professor.violations, ...admin.violations];
      checkEqual(all, [], "no Content-Security-Policy violation while using the app");

      // The watcher is live: an inline script is refused and reported.
      await s.evaluate(() => {
        const script = document.createElement("script");
        script.textContent = "window.__inlineRan = true";
        document.body.append(script);
      });
      await s.waitForFunction(() => true);
      check(!(await s.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan)), "an inline script does not run");
      for (let i = 0; i < 50 && student.violations.length === 0; i++) await s.waitForTimeout(100);
      check(student.violations.some((v) => v.includes("script-src")), `the inline script was reported: ${JSON.stringify(student.violations)}`);
    } finally {
      for (const c of [student, professor, admin]) await c.context.close().catch(() => {});
    }
  },
};
