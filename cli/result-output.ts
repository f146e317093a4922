import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { JobResult } from '../jobs/kind.ts'

/**
 * Writes a job result where the user asked: the artefact (PNG) if the kind makes one,
 * else the JSON value. Returns the absolute path, or undefined when nothing was written.
 */
export async function writeResult (result: JobResult, out: string | undefined): Promise<string | undefined> {
  const target = out ?? result.file?.name
  if (target == null) return undefined
  const path = resolve(target)
  await mkdir(dirname(path), { recursive: true })
  if (result.file != null) await writeFile(path, result.file.bytes)
  else await writeFile(path, JSON.stringify(result.value, null, 2) + '\n')
  return path
}
