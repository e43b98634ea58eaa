// Keeps the workspace's dependency graph a tree, over every workspace project (packages,
// services, test, bench), their dependencies AND devDependencies (pnpm links both, and a cycle
// through a devDependency is still a cycle), and the import statements of their sources:
// - a package never depends on a service, except the CLI (the one composition point);
// - a service never depends on another service;
// - nothing depends on `test` or `bench` (they are leaves);
// - no cycles;
// - an import of another workspace package must be declared in the importer's package.json;
// - a relative import must stay inside its own project (go through the package's exports);
// - a declared workspace dependency must be imported (an unused edge can still close a cycle).
// Usage: node scripts/check-deps.mjs [workspace root]   (exit 1 and one line per problem)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

// The CLI runs several services together: the one package allowed to depend on them.
const COMPOSITION_POINT = join('packages', 'cli')
const LEAF_GROUPS = new Set(['test', 'bench'])
const DEPENDENCY_FIELDS = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
]
const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage', 'results'])
// Static imports and re-exports (`import x from`, `import 'x'`, `export … from`) and import().
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm

const root = resolve(process.argv[2] ?? '.')

/** The `packages:` globs of pnpm-workspace.yaml (only `dir` and `dir/*` forms are used here). */
function workspaceGlobs() {
  const lines = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8').split('\n')
  const globs = []
  let inPackages = false
  for (const line of lines) {
    if (/^\S/.test(line)) inPackages = /^packages:\s*$/.test(line)
    const item = inPackages && line.match(/^\s+-\s+['"]?([^'"#\s]+)['"]?/)
    if (item) globs.push(item[1])
  }
  return globs
}

function projectDirs() {
  const dirs = []
  for (const glob of workspaceGlobs()) {
    if (glob.startsWith('!')) continue
    if (glob.endsWith('/*')) {
      const parent = join(root, glob.slice(0, -2))
      if (!existsSync(parent)) continue
      for (const d of readdirSync(parent).sort()) dirs.push(join(parent, d))
    } else {
      dirs.push(join(root, glob))
    }
  }
  return dirs.filter((d) => existsSync(join(d, 'package.json')))
}

function sourceFiles(dir) {
  const files = []
  for (const entry of readdirSync(dir)) {
    if (SKIP_DIRS.has(entry)) continue
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path))
    else if (SOURCE.test(entry)) files.push(path)
  }
  return files
}

const projects = new Map()
for (const dir of projectDirs()) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const declared = new Set(DEPENDENCY_FIELDS.flatMap((f) => Object.keys(pkg[f] ?? {})))
  const group = relative(root, dir).split(sep)[0]
  const composes = relative(root, dir) === COMPOSITION_POINT
  projects.set(pkg.name, { name: pkg.name, dir, group, declared, composes, deps: [] })
}
for (const p of projects.values()) p.deps = [...p.declared].filter((d) => projects.has(d))

const problems = []
const where = (p) => `${p.name} (${relative(root, p.dir)})`

for (const p of projects.values()) {
  for (const dep of p.deps) {
    const target = projects.get(dep)
    if (dep === p.name) problems.push(`${where(p)} depends on itself`)
    else if (LEAF_GROUPS.has(target.group)) {
      problems.push(`${where(p)} depends on ${dep}, but ${target.group}/ is a leaf`)
    } else if (target.group === 'services' && p.group === 'packages' && !p.composes) {
      problems.push(`${where(p)} is a package and depends on the service ${dep}`)
    } else if (target.group === 'services' && p.group === 'services') {
      problems.push(`${where(p)} depends on another service, ${dep}`)
    }
  }
}

const done = new Set()
const onPath = []
function visit(name) {
  if (done.has(name)) return
  const at = onPath.indexOf(name)
  if (at >= 0) {
    problems.push(`dependency cycle: ${[...onPath.slice(at), name].join(' -> ')}`)
    return
  }
  onPath.push(name)
  for (const dep of projects.get(name).deps) visit(dep)
  onPath.pop()
  done.add(name)
}
for (const name of projects.keys()) visit(name)

/** The workspace project a bare specifier names (`@scope/pkg/sub` → `@scope/pkg`), if any. */
function workspaceTarget(specifier) {
  const parts = specifier.split('/')
  return projects.get(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0])
}

const inside = (dir, path) => path === dir || path.startsWith(dir + sep)
for (const p of projects.values()) {
  const imported = new Set()
  for (const file of sourceFiles(p.dir)) {
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]
      const at = `${relative(root, file)}: import '${specifier}'`
      if (specifier.startsWith('.')) {
        if (!inside(p.dir, resolve(dirname(file), specifier))) {
          problems.push(
            `${at} reaches outside ${relative(root, p.dir)}/ (use the package's exports)`,
          )
        }
        continue
      }
      const target = workspaceTarget(specifier)
      if (target) imported.add(target.name)
      if (target && target.name !== p.name && !p.declared.has(target.name)) {
        problems.push(`${at} is not declared in ${relative(root, p.dir)}/package.json`)
      }
    }
  }
  for (const dep of p.deps) {
    if (!imported.has(dep)) problems.push(`${where(p)} declares ${dep} but never imports it`)
  }
}

if (problems.length) {
  console.error(problems.join('\n'))
  process.exit(1)
}
console.log(`dependency graph ok (${projects.size} workspace projects)`)
