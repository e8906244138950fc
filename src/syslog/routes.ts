/**
 * `GET /vigil/syslog/listeners`: the counters of the syslog listeners (messages, rows, truncated,
 * unrouted, refused connections, UDP datagrams dropped) and of the ingestion queue (queued rows,
 * retries, whether senders are being held back). A caller sees a listener when it may read one of
 * the data collection rules the listener sends through; the token is a control-plane one.
 */
import type { FastifyInstance } from 'fastify';
import { isAllowed } from '../authz/authorize.js';
import { AUDIENCES } from '../identity/audiences.js';
import type { Authenticate } from '../identity/authenticate.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { dataCollectionRuleId } from '../metadata/resource-ids.js';
import type { RunningSyslogListener } from './listeners.js';
import type { PipelineStats } from './pipeline.js';
import { resolveRule } from './router.js';

export interface SyslogRouteDeps {
  metadata: MetadataStore;
  authenticate: Authenticate;
  listeners: () => RunningSyslogListener[];
  defaultDcrs: string[];
  pipeline: () => PipelineStats | undefined;
}

export async function syslogRoutes(app: FastifyInstance, deps: SyslogRouteDeps): Promise<void> {
  app.get('/vigil/syslog/listeners', async (req) => {
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.control);
    const visible = deps.listeners().filter((l) =>
      (l.spec.dcrs.length ? l.spec.dcrs : deps.defaultDcrs).some((ref) => {
        const rule = resolveRule(deps.metadata, ref);
        return rule !== undefined && isAllowed(deps.metadata, caller, 'Microsoft.Insights/dataCollectionRules/read', dataCollectionRuleId(rule));
      }),
    );
    return { value: visible.map((l) => ({ ...l.stats })), queue: visible.length ? deps.pipeline() : undefined };
  });
}
