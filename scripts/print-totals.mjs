// Prints the one closing line CI reads: "N passed, N failed" (failed static checks count as
// failures). Exits non-zero when nothing ran or anything failed.
import { readFileSync } from 'node:fs'

const [file, failedChecksArg = '0'] = process.argv.slice(2)
const failedChecks = Number(failedChecksArg)
let report
try {
  report = JSON.parse(readFileSync(file, 'utf8'))
} catch (error) {
  console.log(`vitest wrote no report (${error.message})`)
  console.log(`0 passed, ${1 + failedChecks} failed`)
  process.exit(1)
}
const passed = report.numPassedTests ?? 0
// A test file that failed to load has no test results: count each such file as a failure too
// (numFailedTestSuites would also count every describe block around a failed test).
const unloaded = (report.testResults ?? []).filter(
  (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
).length
const failed = (report.numFailedTests ?? 0) + unloaded + failedChecks
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
