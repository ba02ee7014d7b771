import { createTransport } from 'nodemailer';
import type { MailMessage, MailSender } from './sender.ts';
import { PermanentMailError } from './sender.ts';

export interface SmtpConfig {
  host: string;
  port: number;
  from: string;
  /** Local catchers take plain SMTP; a real relay would set secure and auth. */
  secure?: boolean;
  auth?: { user: string; pass: string };
}

/** Email over SMTP (nodemailer): locally to the mail catcher, so a developer sees what users get. */
export function smtpMailSender(config: SmtpConfig): MailSender & { close(): void } {
  const transport = createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure ?? false,
    ignoreTLS: config.secure !== true,
    ...(config.auth ? { auth: config.auth } : {}),
    connectionTimeout: 5_000,
    socketTimeout: 10_000,
  });
  return {
    async send(m: MailMessage) {
      try {
        const info = await transport.sendMail({
          from: config.from,
          to: m.to,
          subject: m.subject,
          text: m.text,
          headers: { 'X-Placements-Template': m.template, 'X-Placements-Reference': m.reference },
        });
        return { reference: info.messageId };
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        // 5xx from the server: the message itself is refused; anything else may pass on a retry.
        if (code !== undefined && code >= 500) throw new PermanentMailError((error as Error).message);
        throw error;
      }
    },
    close: () => transport.close(),
  };
}
