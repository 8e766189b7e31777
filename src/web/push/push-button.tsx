/**
 * The header's Notifications button: the one place the app asks for notification
 * permission (on a click, never on load). It shows the state and toggles it.
 */
import { useEffect, useState } from "preact/hooks";
import { t, type MessageKey } from "../i18n";
import { disablePush, enablePush, pushState, pushSupported, type PushState } from "./push-subscription";

type ButtonState = PushState | "busy" | "failed";

const LABEL: Record<Exclude<ButtonState, "unsupported">, MessageKey> = {
  denied: "pushDenied",
  off: "pushOff",
  on: "pushOn",
  busy: "pushBusy",
  failed: "pushFailed",
};

export function PushButton() {
  const [state, setState] = useState<ButtonState>("off");
  useEffect(() => {
    let live = true;
    pushState().then(
      (s) => live && setState(s),
      () => live && setState("off"),
    );
    return () => void (live = false);
  }, []);
  if (!pushSupported() || state === "unsupported") return null;

  async function toggle(): Promise<void> {
    const was = state;
    setState("busy");
    try {
      setState(was === "on" ? await disablePush() : await enablePush());
    } catch (e) {
      console.warn("push setup failed", e);
      setState("failed");
    }
  }
  return (
    // Blocked in the browser's settings: only the user can undo that there.
    <button type="button" class="link" data-push={state} disabled={state === "denied" || state === "busy"} onClick={() => void toggle()}>
      {t(LABEL[state])}
    </button>
  );
}
