/**
 * The Azure Blob Storage data plane, path-style, on Vigil's HTTPS port:
 *   https://{host}:{port}/{account}/{container}/{blob}
 * which is the form `@azure/storage-blob` uses for an IP or `localhost` endpoint
 * (`new BlobServiceClient('https://127.0.0.1:8443/myaccount', credential)`).
 *
 * Bearer tokens only (audience `https://storage.azure.com`; no shared keys, no SAS). Every operation
 * is authorized through src/authz/authorize.ts with Azure's Storage actions and dataActions at the
 * container's ARM scope. Errors are Azure Storage's: XML `<Error><Code/><Message/></Error>` and the
 * `x-ms-error-code` header.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorize, type Caller } from '../authz/authorize.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { Authenticate } from '../identity/authenticate.js';
import { ApiError } from '../errors/api-error.js';
import { StorageError, type BlobState, type BlobStore, type ContainerState, type AccountState } from './blob-store.js';
import { accountResourceId } from './resource-ids.js';

export const STORAGE_AUDIENCES = ['https://storage.azure.com'] as const;
const SERVICE_VERSION = '2025-11-05';
/** Largest body of one Put Blob or Append Block Vigil takes (Azure: 100 MiB append blocks, 5000 MiB Put Blob). */
export const MAX_BLOB_BODY = 32 * 1024 * 1024;

const ACT = 'Microsoft.Storage/storageAccounts/blobServices/containers';

export interface BlobRouteDeps {
  blobs: BlobStore;
  metadata: MetadataStore;
  authenticate: Authenticate;
  publicBaseUrl: () => string;
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
const httpDate = (iso: string) => new Date(iso).toUTCString();

function sendError(req: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string) {
  reply.code(status).header('x-ms-error-code', code).header('x-ms-version', SERVICE_VERSION);
  if (req.method === 'HEAD') return reply.send();
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(`${message}\nRequestId:${req.id}\nTime:${new Date().toISOString()}`)}</Message></Error>`;
  return reply.type('application/xml').send(body);
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function metadataHeaders(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.startsWith('x-ms-meta-') && typeof v === 'string') out[k.slice('x-ms-meta-'.length)] = v;
  }
  return out;
}

function blobHeaders(reply: FastifyReply, b: BlobState): void {
  reply
    .header('etag', b.etag)
    .header('last-modified', httpDate(b.lastModified))
    .header('x-ms-creation-time', httpDate(b.createdAt))
    .header('x-ms-blob-type', b.type)
    .header('x-ms-server-encrypted', 'true')
    .header('x-ms-lease-status', 'unlocked')
    .header('x-ms-lease-state', 'available')
    .header('accept-ranges', 'bytes')
    .header('content-type', b.contentType);
  if (b.type === 'AppendBlob') reply.header('x-ms-blob-committed-block-count', String(b.blocks));
  if (b.contentMd5) reply.header('content-md5', b.contentMd5);
  for (const [k, v] of Object.entries(b.metadata)) reply.header(`x-ms-meta-${k}`, v);
}

function containerHeaders(reply: FastifyReply, c: ContainerState): void {
  reply
    .header('etag', c.etag)
    .header('last-modified', httpDate(c.lastModified))
    .header('x-ms-lease-status', 'unlocked')
    .header('x-ms-lease-state', 'available')
    .header('x-ms-has-immutability-policy', String(c.policy !== undefined))
    .header('x-ms-has-legal-hold', String(c.legalHold.tags.length > 0));
  for (const [k, v] of Object.entries(c.metadata)) reply.header(`x-ms-meta-${k}`, v);
}

function parseRange(value: string | undefined, size: number): [number, number] | undefined {
  if (!value) return undefined;
  const m = /^bytes=(\d+)-(\d*)$/.exec(value.trim());
  if (!m) throw new StorageError(400, 'InvalidRange', 'The range specified is invalid for the current size of the resource.');
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start >= size || end < start) throw new StorageError(416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.');
  return [start, end];
}

function listParams(q: URLSearchParams) {
  const max = q.get('maxresults');
  const maxResults = max === null ? 5000 : Number(max);
  if (!Number.isInteger(maxResults) || maxResults < 1) throw new StorageError(400, 'OutOfRangeQueryParameterValue', 'maxresults must be a positive integer.');
  return { prefix: q.get('prefix') ?? '', marker: q.get('marker') ?? '', maxResults: Math.min(maxResults, 5000), delimiter: q.get('delimiter') ?? '' };
}

export async function blobRoutes(app: FastifyInstance, deps: BlobRouteDeps): Promise<void> {
  const { blobs, metadata } = deps;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BLOB_BODY }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof StorageError) return sendError(req, reply, err.status, err.code, err.message);
    if (err instanceof ApiError) {
      if (err.status === 401) return sendError(req, reply, 401, 'InvalidAuthenticationInfo', `Server failed to authenticate the request. ${err.message}`);
      if (err.status === 403) return sendError(req, reply, 403, 'AuthorizationPermissionMismatch', `This request is not authorized to perform this operation using this permission. ${err.message}`);
      return sendError(req, reply, err.status, err.code, err.message);
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(req, reply, 413, 'RequestBodyTooLarge', `The request body is too large: Vigil takes at most ${MAX_BLOB_BODY} bytes per request.`);
    req.log.error({ err }, 'blob request failed');
    return sendError(req, reply, 500, 'InternalError', 'The server encountered an internal error. Please retry the request.');
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const [rawPath, search = ''] = req.url.split('?') as [string, string?];
    const parts = rawPath.split('/').filter((s) => s.length > 0);
    const decoded = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new StorageError(400, 'InvalidUri', 'The requested URI does not represent any resource on the server.');
      }
    };
    const accountName = decoded(parts[0] ?? '');
    const account = blobs.account(accountName);
    if (!account) {
      // Not an account: the same answer as any unknown path on this port.
      return reply
        .code(404)
        .type('application/json; charset=utf-8')
        .send(new ApiError(404, 'PathNotFoundError', `The requested path does not exist: ${req.method} ${rawPath}`).body());
    }
    reply.header('x-ms-version', SERVICE_VERSION);
    const auth = header(req, 'authorization');
    if (!auth) throw new StorageError(401, 'NoAuthenticationInformation', 'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.');
    const caller = await deps.authenticate(auth, STORAGE_AUDIENCES);
    const q = new URLSearchParams(search);
    const restype = q.get('restype');
    const comp = q.get('comp');
    const containerName = parts[1] === undefined ? undefined : decoded(parts[1]);
    // A blob name keeps its slashes (virtual folders).
    const blobName = parts.length > 2 ? parts.slice(2).map(decoded).join('/') : undefined;
    const scope = (c?: string) => `${accountResourceId(account)}/blobServices/default${c ? `/containers/${c}` : ''}`;
    const allow = (action: string, c: string | undefined, kind: 'action' | 'dataAction') => authorize(metadata, caller, action, scope(c), kind);

    if (containerName === undefined) {
      if (req.method === 'GET' && comp === 'list') {
        allow(`${ACT}/read`, undefined, 'action');
        return listContainers(reply, account, q);
      }
      if ((req.method === 'GET' || req.method === 'HEAD') && restype === 'service' && comp === 'properties') {
        allow(`${ACT}/read`, undefined, 'action');
        return reply.type('application/xml').send('<?xml version="1.0" encoding="utf-8"?><StorageServiceProperties></StorageServiceProperties>');
      }
      throw new StorageError(400, 'UnsupportedHttpVerb', `The resource doesn't support ${req.method} with these parameters.`);
    }

    if (blobName === undefined) {
      if (restype !== 'container') throw new StorageError(400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid (restype=container).');
      if (req.method === 'PUT' && comp === null) {
        allow(`${ACT}/write`, containerName, 'action');
        const { container } = await blobs.createContainer(accountName, containerName, metadataHeaders(req));
        containerHeaders(reply, container);
        return reply.code(201).send();
      }
      if ((req.method === 'GET' || req.method === 'HEAD') && comp === null) {
        allow(`${ACT}/read`, containerName, 'action');
        containerHeaders(reply, blobs.requireContainer(accountName, containerName));
        return reply.code(200).send();
      }
      if (req.method === 'DELETE' && comp === null) {
        allow(`${ACT}/delete`, containerName, 'action');
        await blobs.deleteContainer(accountName, containerName);
        return reply.code(202).send();
      }
      if (req.method === 'GET' && comp === 'list') {
        allow(`${ACT}/blobs/read`, containerName, 'dataAction');
        return listBlobs(reply, account, blobs.requireContainer(accountName, containerName), q);
      }
      throw new StorageError(400, 'UnsupportedHttpVerb', `The resource doesn't support ${req.method} with these parameters.`);
    }

    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (req.method === 'PUT' && comp === null) {
      const type = header(req, 'x-ms-blob-type');
      if (type !== 'BlockBlob' && type !== 'AppendBlob') {
        throw new StorageError(400, type === undefined ? 'MissingRequiredHeader' : 'InvalidHeaderValue', 'x-ms-blob-type must be BlockBlob or AppendBlob (page blobs are not served by Vigil).');
      }
      if (type === 'AppendBlob' && body.length > 0) throw new StorageError(400, 'InvalidHeaderValue', 'Put Blob of an append blob takes no content: append it with Append Block.');
      const exists = blobs.blob(accountName, containerName, blobName) !== undefined;
      allow(`${ACT}/blobs/${exists ? 'write' : 'add/action'}`, containerName, 'dataAction');
      const b = await blobs.putBlob(accountName, containerName, blobName, {
        type,
        data: body,
        contentType: header(req, 'x-ms-blob-content-type') ?? 'application/octet-stream',
        metadata: metadataHeaders(req),
        ifNoneMatch: header(req, 'if-none-match'),
        ifMatch: header(req, 'if-match'),
      });
      reply.header('etag', b.etag).header('last-modified', httpDate(b.lastModified)).header('x-ms-request-server-encrypted', 'true');
      if (b.contentMd5) reply.header('content-md5', b.contentMd5);
      return reply.code(201).send();
    }
    if (req.method === 'PUT' && comp === 'appendblock') {
      allow(`${ACT}/blobs/add/action`, containerName, 'dataAction');
      const pos = header(req, 'x-ms-blob-condition-appendpos');
      const max = header(req, 'x-ms-blob-condition-maxsize');
      const { blob, offset } = await blobs.appendBlock(accountName, containerName, blobName, body, {
        appendPosition: pos === undefined ? undefined : Number(pos),
        maxSize: max === undefined ? undefined : Number(max),
        ifMatch: header(req, 'if-match'),
      });
      reply
        .header('etag', blob.etag)
        .header('last-modified', httpDate(blob.lastModified))
        .header('x-ms-blob-append-offset', String(offset))
        .header('x-ms-blob-committed-block-count', String(blob.blocks))
        .header('x-ms-request-server-encrypted', 'true');
      return reply.code(201).send();
    }
    if (req.method === 'PUT' && comp === 'metadata') {
      allow(`${ACT}/blobs/write`, containerName, 'dataAction');
      const b = await blobs.setBlobMetadata(accountName, containerName, blobName, metadataHeaders(req));
      reply.header('etag', b.etag).header('last-modified', httpDate(b.lastModified));
      return reply.code(200).send();
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && comp === null) {
      allow(`${ACT}/blobs/read`, containerName, 'dataAction');
      const b = blobs.requireBlob(accountName, containerName, blobName);
      blobHeaders(reply, b);
      if (req.method === 'HEAD') return reply.code(200).header('content-length', String(b.size)).send();
      const content = blobs.readBlob(accountName, containerName, blobName);
      const range = parseRange(header(req, 'x-ms-range') ?? header(req, 'range'), content.length);
      if (range) {
        return reply
          .code(206)
          .header('content-range', `bytes ${range[0]}-${range[1]}/${content.length}`)
          .send(content.subarray(range[0], range[1] + 1));
      }
      return reply.code(200).send(content);
    }
    if (req.method === 'DELETE' && comp === null) {
      allow(`${ACT}/blobs/delete`, containerName, 'dataAction');
      await blobs.deleteBlob(accountName, containerName, blobName);
      return reply.code(202).header('x-ms-delete-type-permanent', 'true').send();
    }
    throw new StorageError(400, 'UnsupportedHttpVerb', `The resource doesn't support ${req.method} with these parameters.`);
  };

  function listContainers(reply: FastifyReply, account: AccountState, q: URLSearchParams) {
    const { prefix, marker, maxResults } = listParams(q);
    const names = Object.keys(account.containers).filter((n) => n.startsWith(prefix) && n >= marker).sort();
    const page = names.slice(0, maxResults);
    const next = names[maxResults] ?? '';
    const items = page.map((n) => {
      const c = account.containers[n]!;
      return `<Container><Name>${xmlEscape(n)}</Name><Properties><Last-Modified>${httpDate(c.lastModified)}</Last-Modified><Etag>${xmlEscape(c.etag)}</Etag><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState><HasImmutabilityPolicy>${c.policy !== undefined}</HasImmutabilityPolicy><HasLegalHold>${c.legalHold.tags.length > 0}</HasLegalHold></Properties></Container>`;
    });
    const xml = `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="${xmlEscape(`${deps.publicBaseUrl()}/${account.name}/`)}"><Prefix>${xmlEscape(prefix)}</Prefix>${marker ? `<Marker>${xmlEscape(marker)}</Marker>` : ''}<MaxResults>${maxResults}</MaxResults><Containers>${items.join('')}</Containers><NextMarker>${xmlEscape(next)}</NextMarker></EnumerationResults>`;
    return reply.code(200).type('application/xml').send(xml);
  }

  function listBlobs(reply: FastifyReply, account: AccountState, c: ContainerState, q: URLSearchParams) {
    const { prefix, marker, maxResults, delimiter } = listParams(q);
    const entries: ({ blob: BlobState } | { prefix: string })[] = [];
    const seenPrefixes = new Set<string>();
    const names = Object.keys(c.blobs).filter((n) => n.startsWith(prefix)).sort();
    for (const n of names) {
      if (delimiter) {
        const i = n.indexOf(delimiter, prefix.length);
        if (i >= 0) {
          const p = n.slice(0, i + delimiter.length);
          if (!seenPrefixes.has(p)) {
            seenPrefixes.add(p);
            entries.push({ prefix: p });
          }
          continue;
        }
      }
      entries.push({ blob: c.blobs[n]! });
    }
    const keyOf = (e: (typeof entries)[number]) => ('blob' in e ? e.blob.name : e.prefix);
    const from = entries.filter((e) => keyOf(e) >= marker);
    const page = from.slice(0, maxResults);
    const next = from[maxResults] ? keyOf(from[maxResults]!) : '';
    const items = page.map((e) => {
      if ('prefix' in e) return `<BlobPrefix><Name>${xmlEscape(e.prefix)}</Name></BlobPrefix>`;
      const b = e.blob;
      return `<Blob><Name>${xmlEscape(b.name)}</Name><Properties><Creation-Time>${httpDate(b.createdAt)}</Creation-Time><Last-Modified>${httpDate(b.lastModified)}</Last-Modified><Etag>${xmlEscape(b.etag)}</Etag><Content-Length>${b.size}</Content-Length><Content-Type>${xmlEscape(b.contentType)}</Content-Type>${b.contentMd5 ? `<Content-MD5>${b.contentMd5}</Content-MD5>` : ''}<BlobType>${b.type}</BlobType><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState><ServerEncrypted>true</ServerEncrypted></Properties></Blob>`;
    });
    const xml = `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="${xmlEscape(`${deps.publicBaseUrl()}/${account.name}/`)}" ContainerName="${xmlEscape(c.name)}"><Prefix>${xmlEscape(prefix)}</Prefix>${marker ? `<Marker>${xmlEscape(marker)}</Marker>` : ''}<MaxResults>${maxResults}</MaxResults>${delimiter ? `<Delimiter>${xmlEscape(delimiter)}</Delimiter>` : ''}<Blobs>${items.join('')}</Blobs><NextMarker>${xmlEscape(next)}</NextMarker></EnumerationResults>`;
    return reply.code(200).type('application/xml').send(xml);
  }

  for (const method of ['GET', 'HEAD', 'PUT', 'DELETE'] as const) {
    for (const url of ['/:account', '/:account/*']) {
      app.route({ method, url, handler, exposeHeadRoute: false });
    }
  }
}

export type { Caller };
