// Writes the build configuration of every product project (packages/* and services/*
// except the test-only ones) from its package.json, so the two cannot drift:
// - tsconfig.build.json: src → dist, composite, a reference per @cxpulse dependency;
// - package.json exports: each entry's "production" condition points at its dist file.
// Usage: node scripts/build-config.mjs [--check]   (--check: exit 1 if a file would change)
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { format } from 'prettier'

const root = resolve(import.meta.dirname, '..')
const TEST_ONLY = new Set(['@cxpulse/testkit', '@cxpulse/test-env'])
const check = process.argv.includes('--check')

const projects = ['packages', 'services']
  .flatMap((group) => readdirSync(join(root, group)).map((d) => join(root, group, d)))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !TEST_ONLY.has(pkg.name))
const dirOf = new Map(projects.map((p) => [p.pkg.name, p.dir]))

/** `./src/x.ts` → `./dist/x.js` (the layout tsc writes with rootDir src, outDir dist). */
const distOf = (source) => source.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '.js')
const sourceOf = (entry) => (typeof entry === 'string' ? entry : entry.default)

const changed = []
/** Writes `value` as JSON (formatted as prettier formats it) unless the file already holds it. */
async function write(file, value) {
  const old = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined
  if (JSON.stringify(old) === JSON.stringify(value)) return
  changed.push(relative(root, file))
  if (!check) writeFileSync(file, await format(JSON.stringify(value), { filepath: file }))
}

for (const { dir, pkg } of projects) {
  const deps = Object.keys(pkg.dependencies ?? {}).filter((d) => dirOf.has(d))
  const config = {
    extends: `${relative(dir, root)}/tsconfig.base.json`,
    compilerOptions: {
      composite: true,
      noEmit: false,
      rootDir: 'src',
      outDir: 'dist',
      // Inside dist/, so deleting dist/ makes the next build write it again.
      tsBuildInfoFile: 'dist/tsconfig.build.tsbuildinfo',
      rewriteRelativeImportExtensions: true,
      types: ['node'],
    },
    include: ['src'],
    // Tests and what only tests use stay out of the build.
    exclude: [
      'src/**/*.test.ts',
      'src/**/__fixtures__',
      'src/**/*.test-support.ts',
      'src/testing.ts',
    ],
    references: deps.map((d) => ({ path: `${relative(dir, dirOf.get(d))}/tsconfig.build.json` })),
  }
  await write(join(dir, 'tsconfig.build.json'), config)

  const exports = Object.fromEntries(
    Object.entries(pkg.exports ?? {}).map(([path, entry]) => {
      const source = sourceOf(entry)
      // What only tests import is not built, so it has no production entry.
      if (source === './src/testing.ts') return [path, source]
      return [path, { production: distOf(source), default: source }]
    }),
  )
  await write(join(dir, 'package.json'), { ...pkg, exports })
}

const references = projects.map(({ dir }) => ({
  path: `./${relative(root, dir)}/tsconfig.build.json`,
}))
await write(join(root, 'tsconfig.build.json'), { files: [], references })
if (check && changed.length > 0) {
  console.error(
    `build config out of date (run node scripts/build-config.mjs): ${changed.join(', ')}`,
  )
  process.exit(1)
}
console.log(changed.length ? `wrote ${changed.join(', ')}` : 'build config up to date')
