import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import * as z from 'zod'
import { CreateEvaluationDatasetBodySchema, PresignedUrlsBodySchema } from '../../schema/gradient.js'
import { nodeCrypto } from '../../util/builtins.js'
import type { NewDatasetItem, Services } from '../service/index.js'
import { badRequest } from './errors.js'
import { parseGradient, requestOrigin } from './http.js'
import { FILE_NAME_TAG, FILE_SIZE_TAG, fileSizeOf, UPLOAD_TAG } from './lookups.js'
import { toGradientDataset } from './mappers.js'
import type { UploadStore } from './uploads.js'

const { randomUUID } = nodeCrypto

const UploadParams = z.object({ key: z.string().min(1).max(300) })
const UploadQuery = z.object({ token: z.string().min(1).max(200) })

export const UPLOAD_PATH = '/evaluation_datasets/uploads'

/**
 * Evaluation datasets (CSV files; format in dataset-csv.ts).
 *   POST /evaluation_datasets/file_upload_presigned_urls  one upload URL per file, on this server
 *   PUT  /evaluation_datasets/uploads/:key?token=…        the upload itself (the token authorizes it)
 *   POST /evaluation_datasets                             create from `file_upload_dataset.stored_object_key`
 *   GET  /evaluation_datasets                             list (fields of the DigitalOcean MCP README)
 */
export function registerDatasetRoutes(app: FastifyInstance, services: Services, uploads: UploadStore): void {
  app.post('/evaluation_datasets/file_upload_presigned_urls', async (req) => {
    const body = parseGradient(PresignedUrlsBodySchema, req.body, 'body')
    const slots = await uploads.presign(
      req.projectId,
      body.files.map((f) => ({
        fileName: f.file_name,
        ...(f.file_size !== undefined ? { fileSize: f.file_size } : {}),
      })),
    )
    const base = `${requestOrigin(req)}/v2/gen-ai${UPLOAD_PATH}`
    return {
      request_id: randomUUID(),
      uploads: slots.map((s) => ({
        presigned_url: `${base}/${encodeURIComponent(s.objectKey)}?token=${encodeURIComponent(s.token)}`,
        object_key: s.objectKey,
        original_file_name: s.fileName,
        expires_at: s.expiresAt.toISOString(),
      })),
    }
  })

  // The upload route takes any content type as a raw stream (stored in chunks by the upload
  // store, never buffered whole), in a scope of its own so that the JSON parser of every other route is
  // untouched. A request without a body has no stream: an empty file.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload))
    scope.put(`${UPLOAD_PATH}/:key`, { config: { skipAuth: true } }, async (req) => {
      const { key } = parseGradient(UploadParams, req.params, 'params')
      const { token } = parseGradient(UploadQuery, req.query, 'query')
      const body = req.body instanceof Readable ? req.body : Buffer.alloc(0)
      const size = await uploads.put(key, token, body)
      return { object_key: key, size_in_bytes: String(size) }
    })
  })

  app.post('/evaluation_datasets', async (req) => {
    const body = parseGradient(CreateEvaluationDatasetBodySchema, req.body, 'body')
    const key = body.file_upload_dataset.stored_object_key
    // the upload is deleted once the dataset is stored, and kept for a corrected retry otherwise
    return uploads.take(req.projectId, key, 'file_upload_dataset.stored_object_key', async (file) => {
      const fileName = body.file_upload_dataset.original_file_name ?? file.fileName
      // csv-parse loads on the first CSV upload, not in every embedded server.
      const { parseDatasetCsv } = await import('./dataset-csv.js')
      const parsed = parseDatasetCsv(file.data, fileName)
      if (parsed.items.length === 0) throw badRequest(`${fileName}: the file has a header but no rows`)
      const dataset = await services.datasets.create(req.projectId, {
        name: body.name,
        tags: [
          UPLOAD_TAG,
          `${FILE_NAME_TAG}${fileName}`.slice(0, 200),
          `${FILE_SIZE_TAG}${file.data.length}`,
        ],
        description: `Uploaded through the Gradient API from ${fileName}`,
      })
      // Content ids from the one identity function; a row repeated verbatim stays its own item (`~2`).
      const items: NewDatasetItem[] = parsed.items.map((it) => ({ ...it, tags: [] }))
      await services.datasets.addItems(req.projectId, dataset.id, items)
      return { evaluation_dataset_uuid: dataset.id }
    })
  })

  app.get('/evaluation_datasets', async (req) => {
    const datasets = await services.datasets.list(req.projectId)
    const rows = []
    for (const ds of datasets) {
      rows.push(
        toGradientDataset(ds, {
          fileSize: fileSizeOf(ds),
          hasGroundTruth: await services.datasets.hasExpected(req.projectId, ds.id),
        }),
      )
    }
    return { evaluation_datasets: rows }
  })
}
