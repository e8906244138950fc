/**
 * `GET /metadata/endpoints?api-version=…` — ARM's cloud metadata, which `az cloud register
 * --endpoint-resource-manager` (msrestazure, api-version 2015-01-01) and newer Azure clients
 * (api-version 2019-05-01 and later, a list of clouds) read to find the sign-in endpoint, the token
 * audiences and the Graph endpoint of a cloud. Anonymous, as in Azure: it holds only public URLs.
 *
 * Vigil is its own login endpoint, Resource Manager and Microsoft Graph. The management audiences
 * are Azure's (`https://management.core.windows.net/`, `https://management.azure.com/`), so a CLI
 * configured from this document asks for control-plane tokens, not for base-URL tokens that every
 * plane accepts (identity/audiences.ts).
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error.js';

export interface CloudMetadataDeps {
  publicBaseUrl: () => string;
}

const LEGACY_VERSIONS = ['2015-01-01'];
const CLOUD_LIST_VERSIONS = ['2019-05-01', '2020-06-01', '2022-09-01'];
const MANAGEMENT_AUDIENCES = ['https://management.core.windows.net/', 'https://management.azure.com/'];

export async function cloudMetadataRoutes(app: FastifyInstance, deps: CloudMetadataDeps): Promise<void> {
  app.get('/metadata/endpoints', async (req, reply) => {
    const version = (req.query as Record<string, unknown>)['api-version'];
    if (typeof version !== 'string' || version === '') {
      throw new ApiError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
    }
    const base = `${deps.publicBaseUrl().replace(/\/+$/, '')}/`;
    if (LEGACY_VERSIONS.includes(version)) {
      return reply.send({
        graphEndpoint: base,
        authentication: { loginEndpoint: base, audiences: MANAGEMENT_AUDIENCES },
      });
    }
    if (CLOUD_LIST_VERSIONS.includes(version)) {
      return reply.send([
        {
          name: 'Vigil',
          resourceManager: base,
          authentication: { loginEndpoint: base, audiences: MANAGEMENT_AUDIENCES, tenant: 'common', identityProvider: 'AAD' },
          graph: base,
          graphAudience: base,
          microsoftGraphResourceId: base,
          logAnalyticsResourceId: 'https://api.loganalytics.io',
          suffixes: {},
        },
      ]);
    }
    throw new ApiError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${version}' is invalid. The supported versions are '${[...LEGACY_VERSIONS, ...CLOUD_LIST_VERSIONS].join(',')}'.`,
    );
  });
}
