/**
 * The seed document's "Testing guide" WebSocket snippet (LMS seed, section "테스트 가이드"),
 * run as written but for the URL and the token's source; `console` is a collector so a
 * test can read what the snippet logged. sockjs-client and @stomp/stompjs as published.
 */
import { Stomp, type IFrame, type IMessage } from "@stomp/stompjs";
import SockJS from "sockjs-client";
import { track } from "./stomp-clients";

export function seedClient(base: string, token: string) {
  const events: Array<[string, unknown[]]> = [];
  const console = { log: (...a: unknown[]) => events.push(["log", a]), error: (...a: unknown[]) => events.push(["error", a]) };
  // --- seed code, unchanged (but for the URL) ---
  const socket = new SockJS(`${base}/ws/chat`);
  const stompClient = Stomp.over(socket);
  stompClient.debug = () => {};

  stompClient.connect({
      'Authorization': 'Bearer ' + token
  }, function(frame: IFrame) {
      console.log('✅ WebSocket 연결 성공', frame);

      // 4. 구독 설정
      stompClient.subscribe('/user/queue/chat', function(message: IMessage) {
          console.log('📩 메시지 수신:', JSON.parse(message.body));
      });

      // 5. 메시지 전송
      stompClient.send("/app/chat.send", {}, JSON.stringify({
          requestIdx: 123,
          content: 'Test message'
      }));
  }, function(error: unknown) {
      console.error('❌ WebSocket 연결 실패:', error);
  });
  // --- end of seed code ---
  track({ deactivate: () => stompClient.deactivate() });
  return { socket, stompClient, events };
}

/** The bodies the snippet logged as received, in order. */
export function seedReceived(events: ReadonlyArray<[string, unknown[]]>): Array<Record<string, any>> {
  return events.filter(([kind, a]) => kind === "log" && a[0] === "📩 메시지 수신:").map(([, a]) => a[1] as Record<string, any>);
}
