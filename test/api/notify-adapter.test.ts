/**
 * The GOV.UK Notify adapter against a local HTTP server that checks each request the way Notify
 * does: a Bearer JWT signed (HS256) with the API key's secret, issued by the service id, with a
 * fresh iat; POST /v2/notifications/email with template_id, email_address, personalisation and
 * reference. Retries on 5xx and stops at once on 400.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyMailSender, parseNotifyTemplates, sendWithRetry, type MailMessage } from '@placements/store/mail';

const SERVICE_ID = '26785a09-ab16-4eb0-8407-a37497a57506';
const SECRET = '3d844edf-8d35-48ac-975b-e847b4f122b0';
const API_KEY = `placements_test-${SERVICE_ID}-${SECRET}`;
const TEMPLATE = 'f33517ff-2a88-4f6e-b855-c550268ce08a';

interface Seen {
  path: string;
  body: any;
  claims: any;
}
const seen: Seen[] = [];
let answer: (n: number) => { status: number; body: unknown } = () => ({ status: 201, body: {} });
let baseUrl: string;
let server: ReturnType<typeof createServer>;

async function handle(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!token)
    return reply(403, {
      errors: [{ error: 'AuthError', message: 'Unauthorized: authentication token must be provided' }],
    });
  let claims: Record<string, unknown>;
  try {
    claims = (await jwtVerify(token, new TextEncoder().encode(SECRET), { algorithms: ['HS256'], issuer: SERVICE_ID }))
      .payload;
  } catch (e) {
    return reply(403, { errors: [{ error: 'AuthError', message: `Invalid token: ${(e as Error).message}` }] });
  }
  // Notify refuses a token issued more than 30 seconds ago.
  if (Math.abs(Date.now() / 1000 - Number(claims.iat)) > 30)
    return reply(403, {
      errors: [{ error: 'AuthError', message: 'Error: Your system clock must be accurate to within 30 seconds' }],
    });
  if (req.method !== 'POST' || req.url !== '/v2/notifications/email')
    return reply(404, { errors: [{ error: 'NotFound' }] });
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  seen.push({ path: req.url, body, claims });
  const problems = ['template_id', 'email_address'].filter((k) => typeof body[k] !== 'string');
  if (problems.length > 0)
    return reply(400, {
      errors: problems.map((p) => ({ error: 'ValidationError', message: `${p} is a required property` })),
    });
  const a = answer(seen.length);
  return reply(
    a.status,
    a.status === 201
      ? { id: `notify-${seen.length}`, reference: body.reference, template: { id: body.template_id } }
      : a.body,
  );
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const message: MailMessage = {
  to: 'head@medway.example',
  template: 'consultation_requested',
  subject: 'Consultation',
  text: 'unused by Notify',
  personalisation: {
    title: 'Consultation: a place at URN 900123',
    respond_by: '2026-12-07',
    link: 'http://x/app/#/provider/consultations',
  },
  reference: 'abc123:medway-head',
};

describe('the GOV.UK Notify mail sender', () => {
  it('sends the kind’s template with the personalisation and reference, signed with the API key', async () => {
    seen.length = 0;
    answer = () => ({ status: 201, body: {} });
    const sender = notifyMailSender({
      apiKey: API_KEY,
      templates: parseNotifyTemplates(JSON.stringify({ consultation_requested: TEMPLATE })),
      baseUrl,
    });
    const r = await sender.send(message);
    expect(r.reference).toBe('notify-1');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.claims.iss).toBe(SERVICE_ID);
    expect(seen[0]!.body).toEqual({
      template_id: TEMPLATE,
      email_address: 'head@medway.example',
      personalisation: message.personalisation,
      reference: message.reference,
    });
  });

  it('retries a 500 with backoff, then succeeds', async () => {
    seen.length = 0;
    answer = (n) =>
      n < 3
        ? { status: 500, body: { errors: [{ error: 'Exception', message: 'Internal server error' }] } }
        : { status: 201, body: {} };
    const sender = notifyMailSender({ apiKey: API_KEY, templates: { consultation_requested: TEMPLATE }, baseUrl });
    const r = await sendWithRetry(sender, message, { attempts: 4, baseDelayMs: 10 });
    expect(r).toMatchObject({ ok: true, attempts: 3 });
  });

  it('does not retry what Notify will never accept (400), and says why', async () => {
    seen.length = 0;
    answer = () => ({
      status: 400,
      body: { errors: [{ error: 'BadRequestError', message: 'Missing personalisation: case_reference' }] },
    });
    const sender = notifyMailSender({ apiKey: API_KEY, templates: { consultation_requested: TEMPLATE }, baseUrl });
    const r = await sendWithRetry(sender, message, { attempts: 4, baseDelayMs: 10 });
    expect(r).toMatchObject({ ok: false, attempts: 1 });
    expect(!r.ok && r.error).toContain('Missing personalisation: case_reference');
  });

  it('a wrong API key is refused by the server, and a kind with no template fails before any request', async () => {
    seen.length = 0;
    const wrong = notifyMailSender({
      apiKey: `placements_test-${SERVICE_ID}-00000000-0000-0000-0000-000000000000`,
      templates: { consultation_requested: TEMPLATE },
      baseUrl,
    });
    await expect(wrong.send(message)).rejects.toThrow(/403/);
    const none = notifyMailSender({ apiKey: API_KEY, templates: {}, baseUrl });
    await expect(none.send(message)).rejects.toThrow(
      /No GOV.UK Notify template is configured for "consultation_requested"/,
    );
    expect(seen).toHaveLength(0);
    expect(() => parseNotifyTemplates('{"digest": 3}')).toThrow(/NOTIFY_TEMPLATES.digest/);
  });
});
