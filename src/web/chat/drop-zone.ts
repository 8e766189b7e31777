import { useRef, useState } from "preact/hooks";

/** Files dropped anywhere on the chat are attached (not opened by the browser). */
export function useFileDrop(enabled: boolean, add: (files: File[]) => void) {
  const [dropping, setDropping] = useState(false);
  const depth = useRef(0);
  const carriesFiles = (e: DragEvent) => enabled && (e.dataTransfer?.types.includes("Files") ?? false);
  return {
    dropping,
    handlers: {
      onDragEnter: (e: DragEvent) => {
        if (!carriesFiles(e)) return;
        depth.current++;
        setDropping(true);
      },
      onDragLeave: () => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDropping(false);
      },
      onDragOver: (e: DragEvent) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        e.dataTransfer!.dropEffect = "copy";
      },
      onDrop: (e: DragEvent) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        depth.current = 0;
        setDropping(false);
        add([...e.dataTransfer!.files]);
      },
    },
  };
}
