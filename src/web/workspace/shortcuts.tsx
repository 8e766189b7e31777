import { useEffect, useRef } from "preact/hooks";
import { t, type MessageKey } from "../i18n";

interface Handlers {
  next(): void;
  previous(): void;
  composer(): void;
  end(): void;
  help(): void;
}

/**
 * The workspace's keyboard shortcuts. Alt combinations work everywhere (also while typing
 * in the composer); "?" only outside text fields, where it cannot be meant as text.
 */
export const SHORTCUTS: { keys: string; label: MessageKey }[] = [
  { keys: "Alt + ↓", label: "shortcutNext" },
  { keys: "Alt + ↑", label: "shortcutPrev" },
  { keys: "Alt + C", label: "shortcutComposer" },
  { keys: "Enter / Ctrl + Enter", label: "shortcutSend" },
  { keys: "Alt + E", label: "shortcutEnd" },
  { keys: "?", label: "shortcutHelp" },
];

export function useShortcuts(handlers: Handlers): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const h = latest.current;
      const typing = e.target instanceof HTMLElement && e.target.closest("input, textarea, select, [contenteditable]") !== null;
      if (e.altKey && !e.ctrlKey && !e.metaKey) {
        // e.code: Alt changes e.key on some layouts (macOS Option).
        const action = { ArrowDown: h.next, ArrowUp: h.previous, KeyC: h.composer, KeyE: h.end }[e.code];
        if (!action) return;
        e.preventDefault();
        action();
      } else if (e.key === "?" && !typing && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        h.help();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}

/** The list of shortcuts, in a modal dialog (focus moves in, Escape and the button close it). */
export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current!;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} class="shortcuts" aria-labelledby="shortcuts-title" onClose={onClose}>
      <h2 id="shortcuts-title">{t("shortcutsTitle")}</h2>
      <table>
        <caption class="visually-hidden">{t("shortcutsTitle")}</caption>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.keys}>
              <th scope="row">
                <kbd>{s.keys}</kbd>
              </th>
              <td>{t(s.label)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="dialog">
        <button type="submit" class="primary">
          {t("close")}
        </button>
      </form>
    </dialog>
  );
}
