/**
 * Webhook delivery for action groups: one HTTPS POST of the alert payload to a receiver's
 * `serviceUri`, with a bearer token for secure webhooks (`useAadAuth`), retried with backoff.
 *
 * Only `https:` targets are used. The host name is resolved here, every address it resolves to is
 * checked against the target policy (webhook-target.ts), and the connection is pinned to the checked
 * address; redirects are never followed (a 3xx is a failed delivery), so neither DNS nor a redirect
 * can lead Vigil somewhere the policy refuses.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { checkTarget, type TargetPolicy } from './webhook-target.js';

export interface DeliveryAttemptResult {
  ok: boolean;
  /** Do not retry (refused target, a 4xx other than 408/429, a redirect). */
  permanent: boolean;
  httpStatus?: number;
  error?: string;
}

export interface WebhookSenderOptions {
  policy: TargetPolicy;
  /** Extra CA certificates (PEM) trusted for webhook targets, beside Node's roots. */
  extraCaPem?: string;
  timeoutMs?: number;
}

export class WebhookSender {
  private readonly ca: string[] | undefined;

  constructor(private readonly opts: WebhookSenderOptions) {
    this.ca = opts.extraCaPem ? [...rootCertificates, opts.extraCaPem] : undefined;
  }

  /** Resolves and checks the target; returns the address to connect to, or the refusal. */
  async resolveTarget(url: URL): Promise<{ address: string; family: 4 | 6 } | { refused: string }> {
    if (url.protocol !== 'https:') return { refused: `only https webhooks are sent (got '${url.protocol}')` };
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port ? Number(url.port) : 443;
    let addresses: { address: string; family: number }[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await dnsLookup(host, { all: true, verbatim: true });
      } catch (err) {
        return { refused: `the host '${host}' could not be resolved (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
      }
    }
    if (addresses.length === 0) return { refused: `the host '${host}' has no address` };
    // Every address must pass: a name that resolves to one public and one private address is refused.
    for (const a of addresses) {
      const why = checkTarget(this.opts.policy, host, a.address, port);
      if (why) return { refused: `webhook target refused: ${why}` };
    }
    return { address: addresses[0]!.address, family: addresses[0]!.family === 6 ? 6 : 4 };
  }

  async send(serviceUri: string, payload: string, bearer?: string): Promise<DeliveryAttemptResult> {
    let url: URL;
    try {
      url = new URL(serviceUri);
    } catch {
      return { ok: false, permanent: true, error: 'the serviceUri is not a URL' };
    }
    const target = await this.resolveTarget(url);
    if ('refused' in target) return { ok: false, permanent: true, error: target.refused };
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
      else callback(null, target.address, target.family);
    };
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return new Promise<DeliveryAttemptResult>((resolve) => {
      const req = request(
        {
          method: 'POST',
          host,
          port: url.port ? Number(url.port) : 443,
          path: `${url.pathname}${url.search}`,
          lookup: pinned,
          servername: isIP(host) ? undefined : host,
          ca: this.ca,
          minVersion: 'TLSv1.2',
          timeout: this.opts.timeoutMs ?? 10_000,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(payload),
            'user-agent': 'Vigil-Alerts/1.0',
            ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          },
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          res.on('end', () => {
            if (status >= 200 && status < 300) resolve({ ok: true, permanent: false, httpStatus: status });
            else if (status >= 300 && status < 400) resolve({ ok: false, permanent: true, httpStatus: status, error: `the receiver answered ${status}; redirects are not followed` });
            else resolve({ ok: false, permanent: status >= 400 && status < 500 && status !== 408 && status !== 429, httpStatus: status, error: `the receiver answered ${status}` });
          });
          res.on('error', (err) => resolve({ ok: false, permanent: false, error: err.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('the receiver did not answer in time')));
      req.on('error', (err) => resolve({ ok: false, permanent: false, error: err.message }));
      req.end(payload);
    });
  }
}
