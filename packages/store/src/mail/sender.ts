/** One email: who to, which template (a notification kind, or `digest`), and what fills it in. */
export interface MailMessage {
  to: string;
  template: string;
  subject: string;
  /** The plain-text body, for SMTP; Notify builds its own from the template and personalisation. */
  text: string;
  personalisation: Record<string, string>;
  /** Our reference for the email (notification id and user), kept by Notify for tracing. */
  reference: string;
}

export interface MailSender {
  send(message: MailMessage): Promise<{ reference?: string }>;
}

/** A failure a retry cannot fix (a bad address, an unknown template, a revoked key): not retried. */
export class PermanentMailError extends Error {}

/** Where an email that failed every retry is kept for an operator (SQS in AWS, the log locally). */
export interface DeadLetterSink {
  put(entry: {
    message: MailMessage;
    error: string;
    attempts: number;
    notification: { role: string; org: string; id: string };
    sub: string;
  }): Promise<void>;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
}
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500 };

/**
 * Sends with exponential backoff and jitter (base, 2×base, 4×base…). A permanent failure ends at
 * once. Returns how it went rather than throwing, so the caller records the status either way.
 */
export async function sendWithRetry(
  sender: MailSender,
  message: MailMessage,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<{ ok: true; attempts: number; reference?: string } | { ok: false; attempts: number; error: string }> {
  let attempt = 0;
  for (;;) {
    attempt++;
    try {
      const r = await sender.send(message);
      return { ok: true, attempts: attempt, ...(r.reference ? { reference: r.reference } : {}) };
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      if (error instanceof PermanentMailError || attempt >= policy.attempts)
        return { ok: false, attempts: attempt, error: text };
      const delay = policy.baseDelayMs * 2 ** (attempt - 1);
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * (delay / 2)));
    }
  }
}
