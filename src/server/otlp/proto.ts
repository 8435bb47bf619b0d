/**
 * The OTLP trace messages as protobufjs types, built once on first use from the official
 * definitions (proto-files.generated.ts) plus google.rpc.Status, the OTLP error body. Loaded on
 * demand: the server embedded in every `vitest run` never pays for protobufjs unless spans come.
 */
import type { Type } from 'protobufjs'

/**
 * google.rpc.Status as defined in https://github.com/googleapis/googleapis
 * (google/rpc/status.proto, Apache-2.0): the body of every OTLP/HTTP error response.
 */
const RPC_STATUS_PROTO = `
syntax = "proto3";
package google.rpc;
import "google/protobuf/any.proto";
message Status {
  int32 code = 1;
  string message = 2;
  repeated google.protobuf.Any details = 3;
}
`

export interface OtlpTypes {
  request: Type
  response: Type
  status: Type
}

let types: Promise<OtlpTypes> | undefined

export function otlpTypes(): Promise<OtlpTypes> {
  types ??= build()
  return types
}

async function build(): Promise<OtlpTypes> {
  const [{ default: protobuf }, { OTLP_PROTO_FILES }] = await Promise.all([
    import('protobufjs'),
    import('./proto-files.generated.js'),
  ])
  const root = new protobuf.Root()
  // google/protobuf/any.proto (for Status.details) ships with protobufjs
  const any = protobuf.common.get('google/protobuf/any.proto')
  if (any?.nested) root.addJSON(any.nested)
  for (const text of [...Object.values(OTLP_PROTO_FILES), RPC_STATUS_PROTO])
    protobuf.parse(text, root, { keepCase: false })
  root.resolveAll()
  return {
    request: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
    status: root.lookupType('google.rpc.Status'),
  }
}
