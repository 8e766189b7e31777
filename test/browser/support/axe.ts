import axe from "axe-core";
import type { Page } from "playwright-core";

/** axe-core's own script, as the package hands it to test runners. */
const axeSource = axe.source;

/**
 * Runs axe-core inside the page (WCAG 2.0/2.1 A and AA rules) and returns the serious and
 * critical violations as "rule: target" lines. Injected through the DevTools protocol
 * (addScriptTag would be an inline script, which the app's CSP rightly refuses).
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Runtime.evaluate", { expression: axeSource });
  await cdp.detach();
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}`));
  });
}
