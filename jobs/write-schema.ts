/** Regenerates `jobs/job.schema.json` from the registered kinds (`npm run schema`). */
import { writeFileSync } from 'node:fs'
import { buildJobSchema } from './spec.ts'

const path = new URL('./job.schema.json', import.meta.url)
writeFileSync(path, JSON.stringify(buildJobSchema(), null, 2) + '\n')
process.stdout.write(`wrote ${path.pathname}\n`)
