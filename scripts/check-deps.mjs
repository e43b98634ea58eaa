// Keeps the dependency graph a tree: packages never depend on services, only the CLI (the one
// composition point) may depend on several services, and no workspace package depends on itself
// through a cycle.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'

const manifests = new Map()
for (const group of ['packages', 'services']) {
  if (!existsSync(group)) continue
  for (const dir of readdirSync(group)) {
    const file = join(group, dir, 'package.json')
    if (!existsSync(file)) continue
    const pkg = JSON.parse(readFileSync(file, 'utf8'))
    const deps = Object.keys({ ...pkg.dependencies }).filter((d) => d.startsWith('@cxpulse/'))
    manifests.set(pkg.name, { group, deps })
  }
}
const COMPOSITION_POINT = '@cxpulse/cli'
const problems = []
for (const [name, { group, deps }] of manifests) {
  for (const dep of deps) {
    const target = manifests.get(dep)
    if (!target) continue
    if (group === 'packages' && target.group === 'services' && name !== COMPOSITION_POINT) {
      problems.push(`${name} (a package) depends on the service ${dep}`)
    }
    if (group === 'services' && target.group === 'services') {
      problems.push(`${name} depends on another service, ${dep}`)
    }
  }
}
const visiting = new Set()
const done = new Set()
function visit(name, path) {
  if (done.has(name)) return
  if (visiting.has(name)) {
    problems.push(`dependency cycle: ${[...path, name].join(' -> ')}`)
    return
  }
  visiting.add(name)
  for (const dep of manifests.get(name)?.deps ?? []) visit(dep, [...path, name])
  visiting.delete(name)
  done.add(name)
}
for (const name of manifests.keys()) visit(name, [])
if (problems.length) {
  console.error(problems.join('\n'))
  process.exit(1)
}
console.log(`dependency graph ok (${manifests.size} workspace packages)`)
