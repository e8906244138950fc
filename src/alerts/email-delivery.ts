/**
 * Email receivers of action groups, delivered through an SMTP relay the operator configures
 * (`--alert-smtp-url smtps://user:pass@relay:465` or `smtp://relay:587`). Without a relay, email
 * receivers are refused when an action group is written (action-groups.ts): Vigil never accepts a
 * receiver it cannot notify.
 *
 * The relay is chosen by the operator, not by a rule's author, so it is not subject to the webhook
 * SSRF checks; the connection always uses TLS (implicit for `smtps:`, STARTTLS required for `smtp:`)
 * with certificate verification (`--alert-smtp-ca` adds CA certificates). Each email carries a short
 * summary in the body, with the subject Azure uses (`Fired:Sev2 Azure Monitor Alert <rule> on
 * <resource>`), and the common alert schema payload attached as `alert.json`.
 */
import { hostname } from 'node:os';
import { rootCertificates } from 'node:tls';
import { createTransport } from 'nodemailer';
import type { DeliveryAttemptResult } from './webhook-delivery.js';

export interface EmailSenderOptions {
  /** `smtp://` or `smtps://`, with optional `user:password@`. */
  url: string;
  /** The From address (default `vigil-alerts@<host name>`). */
  from?: string;
  /** Extra CA certificates (PEM) trusted for the relay, beside Node's roots. */
  extraCaPem?: string;
  timeoutMs?: number;
}

/** Parses `--alert-smtp-url`; throws with a message for the operator. */
export function parseSmtpUrl(text: string): { host: string; port: number; secure: boolean; user?: string; pass?: string } {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`'${text}' is not a URL (expected smtp://host:port or smtps://user:password@host:port)`);
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error(`the SMTP relay URL must use smtp: or smtps: (got '${u.protocol}')`);
  if (!u.hostname) throw new Error('the SMTP relay URL needs a host');
  const secure = u.protocol === 'smtps:';
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : {}),
  };
}

interface CommonSchemaEssentials {
  alertRule?: string;
  severity?: string;
  monitorCondition?: string;
  configurationItems?: string[];
  firedDateTime?: string;
  resolvedDateTime?: string;
  description?: string;
  alertId?: string;
}

/** Subject and text of an alert email, from the common-schema payload. */
export function alertEmail(payloadJson: string): { subject: string; text: string } {
  const payload = JSON.parse(payloadJson) as { data?: { essentials?: CommonSchemaEssentials; alertContext?: { condition?: { allOf?: { linkToSearchResultsAPI?: string; metricValue?: number }[] } } } };
  const e = payload.data?.essentials ?? {};
  const on = (e.configurationItems ?? []).join(', ');
  // Header values are single lines: control characters (from names or data) never reach a header.
  const subject = `${e.monitorCondition ?? 'Fired'}:${e.severity ?? ''} Azure Monitor Alert ${e.alertRule ?? ''}${on ? ` on ${on}` : ''}`.replace(/[\r\n\t\u0000-\u001f\u007f]+/g, ' ').slice(0, 250);
  const condition = payload.data?.alertContext?.condition?.allOf?.[0];
  const text = [
    `${e.monitorCondition ?? 'Fired'}: ${e.alertRule ?? ''} (${e.severity ?? ''})`,
    e.description ? `Description: ${e.description}` : undefined,
    on ? `Resource: ${on}` : undefined,
    `Fired: ${e.firedDateTime ?? ''}`,
    e.resolvedDateTime ? `Resolved: ${e.resolvedDateTime}` : undefined,
    condition?.metricValue !== undefined ? `Value: ${condition.metricValue}` : undefined,
    condition?.linkToSearchResultsAPI ? `Search results: ${condition.linkToSearchResultsAPI}` : undefined,
    `Alert id: ${e.alertId ?? ''}`,
    '',
    'The alert in the common alert schema is attached (alert.json).',
  ]
    .filter((l) => l !== undefined)
    .join('\n');
  return { subject, text };
}

export class EmailSender {
  private readonly transport: ReturnType<typeof createTransport>;
  readonly from: string;

  constructor(opts: EmailSenderOptions) {
    const relay = parseSmtpUrl(opts.url);
    this.from = opts.from ?? `vigil-alerts@${hostname()}`;
    const timeout = opts.timeoutMs ?? 15_000;
    this.transport = createTransport({
      host: relay.host,
      port: relay.port,
      secure: relay.secure,
      requireTLS: !relay.secure,
      ...(relay.user ? { auth: { user: relay.user, pass: relay.pass ?? '' } } : {}),
      tls: { minVersion: 'TLSv1.2', rejectUnauthorized: true, ...(opts.extraCaPem ? { ca: [...rootCertificates, opts.extraCaPem] } : {}) },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  }

  async send(to: string, payloadJson: string): Promise<DeliveryAttemptResult> {
    const { subject, text } = alertEmail(payloadJson);
    try {
      await this.transport.sendMail({ from: this.from, to, subject, text, attachments: [{ filename: 'alert.json', content: payloadJson, contentType: 'application/json' }] });
      return { ok: true, permanent: false };
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      // 5xx: the relay refused the message or recipient for good; anything else may pass later.
      return { ok: false, permanent: code !== undefined && code >= 500, error: `SMTP relay: ${(err as Error).message}` };
    }
  }

  close(): void {
    this.transport.close();
  }
}
