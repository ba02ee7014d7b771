import { NotifyClient } from 'notifications-node-client';
import type { MailMessage, MailSender } from './sender.ts';
import { PermanentMailError } from './sender.ts';

export interface NotifyConfig {
  /** The service's API key (from Secrets Manager in AWS). */
  apiKey: string;
  /** Template id per notification kind, and one for `digest`. */
  templates: Record<string, string>;
  /** Notify's API; only tests point it elsewhere. */
  baseUrl?: string;
}

/**
 * Email through GOV.UK Notify: one template per kind, filled from the personalisation. Notify
 * answers 400 or 403 for a request it will never accept (unknown template, missing placeholder,
 * bad key): those are permanent; 429 and 5xx are retried.
 */
export function notifyMailSender(config: NotifyConfig): MailSender {
  const client = config.baseUrl ? new NotifyClient(config.baseUrl, config.apiKey) : new NotifyClient(config.apiKey);
  return {
    async send(m: MailMessage) {
      const templateId = config.templates[m.template];
      if (!templateId)
        throw new PermanentMailError(`No GOV.UK Notify template is configured for "${m.template}" (NOTIFY_TEMPLATES).`);
      try {
        const res = await client.sendEmail(templateId, m.to, {
          personalisation: m.personalisation,
          reference: m.reference,
        });
        return { reference: (res.data as { id?: string }).id ?? m.reference };
      } catch (error) {
        const status = (error as { response?: { status?: number; data?: unknown } }).response?.status;
        const detail = JSON.stringify(
          (error as { response?: { data?: unknown } }).response?.data ?? (error as Error).message,
        );
        if (status === 400 || status === 403)
          throw new PermanentMailError(`GOV.UK Notify refused the email (${status}): ${detail}`);
        throw new Error(`GOV.UK Notify did not send the email${status ? ` (${status})` : ''}: ${detail}`);
      }
    },
  };
}

/** `NOTIFY_TEMPLATES` is JSON: {"consultation_requested": "<template id>", ..., "digest": "<id>"}. */
export function parseNotifyTemplates(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === '') return {};
  const parsed: unknown = JSON.parse(raw);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('NOTIFY_TEMPLATES must be a JSON object of kind → template id');
  for (const [k, v] of Object.entries(parsed))
    if (typeof v !== 'string') throw new Error(`NOTIFY_TEMPLATES.${k} must be a template id (text)`);
  return parsed as Record<string, string>;
}
