/**
 * How far this user has read each consultation, on this device, for the unread counts of
 * the list. The chat advances it to the last seq shown while the chat is visible. (The
 * API's consultation JSON carries `messageCount`, which is the room's last seq.)
 */
const key = (userCode: string, requestIdx: number) => `consult.read.${userCode}.${requestIdx}`;

export function readMark(userCode: string, requestIdx: number): number {
  return Number(localStorage.getItem(key(userCode, requestIdx)) ?? 0) || 0;
}

export function advanceReadMark(userCode: string, requestIdx: number, seq: number): void {
  if (seq > readMark(userCode, requestIdx)) localStorage.setItem(key(userCode, requestIdx), String(seq));
}

export function unreadCount(userCode: string, requestIdx: number, messageCount: number): number {
  return Math.max(0, messageCount - readMark(userCode, requestIdx));
}
