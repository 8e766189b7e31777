-- Consultation metadata (SPEC section 5). Timestamps are epoch milliseconds (UTC).
CREATE TABLE consultation_request (
  request_idx INTEGER PRIMARY KEY AUTOINCREMENT,
  status TEXT NOT NULL,
  requester_user_code TEXT NOT NULL,
  requester_name TEXT NOT NULL,
  recipient_user_code TEXT,
  recipient_name TEXT,
  category TEXT,
  title TEXT NOT NULL,
  content TEXT,
  scheduled_at INTEGER,
  rejection_reason TEXT,
  cancel_reason TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  duration_minutes INTEGER,
  last_activity_at INTEGER,
  message_count INTEGER NOT NULL DEFAULT 0,
  chat_log_key TEXT,
  ended_by TEXT,
  -- latest of last activity, last state change and scheduled_at; NULL unless open, so the
  -- orphan scan (idle_since < cutoff) reads only stale open rows through its index
  idle_since INTEGER
);

CREATE INDEX idx_consultation_requester ON consultation_request (requester_user_code, created_at, request_idx);
CREATE INDEX idx_consultation_recipient ON consultation_request (recipient_user_code, created_at, request_idx);
CREATE INDEX idx_consultation_created ON consultation_request (created_at, request_idx);
CREATE INDEX idx_consultation_queue ON consultation_request (status, recipient_user_code, category, created_at);
CREATE INDEX idx_consultation_idle ON consultation_request (idle_since);

-- One row per activity report of a room (the message-count delta), for admin statistics.
CREATE TABLE message_activity (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_idx INTEGER NOT NULL,
  at INTEGER NOT NULL,
  messages INTEGER NOT NULL
);

CREATE INDEX idx_message_activity_at ON message_activity (at);
