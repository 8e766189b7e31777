/**
 * The header's Notifications button: the one place the app asks for notification
 * permission (on a click, never on load). It shows the state and toggles it.
 */
import { h } from "../dom";
import { lang } from "../i18n";
import { disablePush, enablePush, pushState, pushSupported, type PushState } from "./push-subscription";

const LABELS: Record<"ko" | "en", Record<PushState | "busy" | "failed", string>> = {
  ko: { unsupported: "", denied: "알림 차단됨", off: "알림 켜기", on: "알림 끄기", busy: "알림 설정 중…", failed: "알림을 켜지 못했습니다" },
  en: { unsupported: "", denied: "Notifications blocked", off: "Turn on notifications", on: "Turn off notifications", busy: "Setting up notifications…", failed: "Could not turn on notifications" },
};

export function pushButton(): HTMLElement | null {
  if (!pushSupported()) return null;
  const labels = LABELS[lang()];
  const button = h("button", { type: "button", class: "link", "data-push": "off" }, labels.off);
  const show = (state: PushState | "failed") => {
    button.textContent = labels[state];
    button.dataset.push = state;
    // Blocked in the browser's settings: only the user can undo that there.
    button.disabled = state === "denied";
  };
  void pushState().then(show, () => show("off"));
  button.addEventListener("click", async () => {
    const was = button.dataset.push;
    button.disabled = true;
    button.textContent = labels.busy;
    try {
      show(was === "on" ? await disablePush() : await enablePush());
    } catch (e) {
      console.warn("push setup failed", e);
      show("failed");
      button.disabled = false;
    }
  });
  return button;
}
