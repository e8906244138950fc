/** OTLP logs decoding and the OTelLogs mapping, without a server: protobuf from the official serializer, JSON, and refusals. */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { ApiError } from '../../src/errors/api-error.js';
import { decodeOtlpLogs, otlpEncoding } from '../../src/ingest/otlp/decode.js';
import { otelLogsRows } from '../../src/ingest/otlp/otel-logs.js';
import { ExportLogsServiceRequest } from '../../src/ingest/otlp/proto.js';

const request = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }, { key: 'deployment.environment', value: { stringValue: 'prod' } }] },
      scopeLogs: [
        {
          scope: { name: 's', version: '1' },
          logRecords: [
            {
              observedTimeUnixNano: '1700000000000001000',
              severityNumber: 21,
              body: { kvlistValue: { values: [{ key: 'a', value: { arrayValue: { values: [{ intValue: '-9007199254740993' }, { doubleValue: 1.5 }, { boolValue: true }] } } }] } },
              attributes: [{ key: 'bytes', value: { bytesValue: Buffer.from('hi').toString('base64') } }],
              eventName: 'login',
              traceId: '00000000000000000000000000000000',
            },
          ],
        },
      ],
    },
  ],
};

const reject = (fn: () => unknown, status: number) => assert.throws(fn, (e: unknown) => e instanceof ApiError && e.status === status);

describe('OTLP logs decoding', () => {
  test('protobuf (encoded by protobufjs from the same definitions) and JSON decode to the same rows', () => {
    const proto = Buffer.from(
      ExportLogsServiceRequest.encode(
        ExportLogsServiceRequest.fromObject({
          ...request,
          resourceLogs: request.resourceLogs.map((rl) => ({ ...rl, scopeLogs: rl.scopeLogs.map((sl) => ({ ...sl, logRecords: sl.logRecords.map((r) => ({ ...r, traceId: Buffer.alloc(16) })) })) })),
        }),
      ).finish(),
    );
    const fromProto = otelLogsRows(decodeOtlpLogs(gzipSync(proto), 'protobuf', 'gzip'));
    const fromJson = otelLogsRows(decodeOtlpLogs(Buffer.from(JSON.stringify(request)), 'json', undefined));
    for (const rows of [fromProto, fromJson]) {
      assert.equal(rows.length, 1);
      const r = rows[0]!;
      assert.equal(r.TimeGenerated, '2023-11-14T22:13:20.0000010Z'); // to the 100 ns
      assert.equal(r.SeverityLevel, 4);
      assert.equal(r.TraceId, null, 'an all-zero trace id is no trace id');
      assert.equal(r.DeploymentEnvironmentName, 'prod');
      assert.equal(r.RoleName, 'api');
      assert.deepEqual(JSON.parse(r.Body as string), { a: [-9007199254740993, 1.5, true] });
      assert.deepEqual(r.Attributes, { bytes: 'aGk=', 'event.name': 'login' });
    }
    // The 64-bit integer is exact in the body's JSON text.
    assert.match(fromJson[0]!.Body as string, /-9007199254740993/);
  });

  test('refusals', () => {
    assert.equal(otlpEncoding('application/x-protobuf; charset=binary'), 'protobuf');
    reject(() => otlpEncoding('text/plain'), 415);
    reject(() => decodeOtlpLogs(Buffer.from('{"resourceLogs":{}}'), 'json', undefined), 400);
    reject(() => decodeOtlpLogs(Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: 25 }] }] }] })), 'json', undefined), 400);
    reject(() => decodeOtlpLogs(Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ spanId: 'abc' }] }] }] })), 'json', undefined), 400);
    reject(() => decodeOtlpLogs(Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes: [{ value: {} }] }] }] }] })), 'json', undefined), 400);
    reject(() => decodeOtlpLogs(Buffer.alloc(1024 * 1024 + 1), 'protobuf', undefined), 413);
    reject(() => decodeOtlpLogs(gzipSync(Buffer.alloc(2 * 1024 * 1024)), 'protobuf', 'gzip'), 413);
    reject(() => decodeOtlpLogs(Buffer.from([0x0a, 0x05, 0x01]), 'protobuf', undefined), 400);
    let nested: unknown = { stringValue: 'x' };
    for (let i = 0; i < 40; i++) nested = { arrayValue: { values: [nested] } };
    reject(() => decodeOtlpLogs(Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: nested }] }] }] })), 'json', undefined), 400);
  });
});
