#!/usr/bin/env node
// Packages the extension as a platform-specific VSIX (`npm run package -- --target linux-x64 [--out x.vsix]`).
//
// The VSIX holds the production bundle (dist/) plus, in node_modules/, only what the bundles still
// `require` at run time: onnxruntime-node with the one target's native binaries and onnxruntime-common,
// plus whatever else esbuild left external (e.g. @huggingface/transformers if it is not bundled).
// Never onnxruntime-web, never another platform's binaries.
//
// vsce collects node_modules through `npm list`, so we package from a staging folder whose package.json
// and node_modules contain exactly the runtime closure; the repo's dist/ is left alone.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { builtinModules } = require('node:module');

const ROOT = path.resolve(__dirname, '..');

/** onnxruntime-node 1.30 ships native binaries for these; vsce target = `${os}-${arch}`. */
const TARGETS = {
  'linux-x64': { os: 'linux', arch: 'x64' },
  'linux-arm64': { os: 'linux', arch: 'arm64' },
  'darwin-arm64': { os: 'darwin', arch: 'arm64' },
  'win32-x64': { os: 'win32', arch: 'x64' },
  'win32-arm64': { os: 'win32', arch: 'arm64' },
};

/** Packages that must never be shipped (browser runtimes; huge). */
const FORBIDDEN = new Set(['onnxruntime-web']);

/** Always shipped: the trainer loads onnxruntime-node even when the bundle hides the require. */
const BASELINE = ['onnxruntime-node', 'onnxruntime-common'];

/**
 * Per-package rules: which files to take and which dependencies are needed at run time (the others
 * are install-time only, or bundled inside the package's own dist). Packages without a rule are
 * taken whole (minus maps, typings, docs) with their dependencies and the target's optional ones.
 * @type {Record<string, { files: (t: {os: string, arch: string}) => RegExp[], deps: string[] }>}
 */
const RULES = {
  'onnxruntime-node': {
    // adm-zip and global-agent serve its install script only.
    files: (t) => [/^package\.json$/, /^LICENSE/, /^dist\/.*\.js$/, new RegExp(`^bin/napi-v6/${t.os}/${t.arch}/[^/]+$`)],
    deps: ['onnxruntime-common'],
  },
  'onnxruntime-common': {
    files: () => [/^package\.json$/, /^LICENSE/, /^dist\/(cjs|esm)\/.*\.js$/, /^dist\/(cjs|esm)\/package\.json$/],
    deps: [],
  },
  '@huggingface/transformers': {
    // Its Node build bundles jinja and tokenizers; it needs onnxruntime-node (never -web) and sharp.
    files: () => [/^package\.json$/, /^LICENSE/, /^dist\/transformers\.node\.cjs$/],
    deps: ['onnxruntime-node', 'onnxruntime-common', 'sharp'],
  },
};

const GENERIC_SKIP = /(\.map|\.d\.ts|\.d\.mts|\.d\.cts|\.md|\.markdown)$/i;

function parseArgs(argv) {
  const args = { target: `${process.platform}-${process.arch}`, out: undefined, keepStage: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--target' || a.startsWith('--target=')) args.target = value();
    else if (a === '--out' || a.startsWith('--out=')) args.out = value();
    else if (a === '--keep-stage') args.keepStage = true;
    else throw new Error(`unknown option ${a}; usage: npm run package -- --target <${Object.keys(TARGETS).join('|')}> [--out file.vsix]`);
  }
  if (!TARGETS[args.target]) {
    throw new Error(`--target ${args.target} is not supported; onnxruntime-node ships binaries for ${Object.keys(TARGETS).join(', ')}`);
  }
  return args;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function packageDir(name) {
  return path.join(ROOT, 'node_modules', ...name.split('/'));
}

function packageNameOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const BUILTINS = new Set([...builtinModules, 'vscode', 'electron']);

/** Bare packages that the node bundles still load at run time (require, createRequire()-style, import()). */
function externalRequires(distDir) {
  const found = new Set();
  for (const file of fs.readdirSync(distDir)) {
    if (!file.endsWith('.js') || file === 'webview.js') continue;
    const code = fs.readFileSync(path.join(distDir, file), 'utf8');
    for (const m of code.matchAll(/\b(?:require\w*|import)\(\s*["']([^"'.\/][^"']*)["']\s*\)/g)) {
      const spec = m[1];
      if (spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(packageNameOf(spec))) continue;
      found.add(packageNameOf(spec));
    }
  }
  return found;
}

function matchesTarget(pkg, target) {
  const ok = (list, value) => !Array.isArray(list) || list.length === 0 ||
    (list.some((x) => !x.startsWith('!')) ? list.includes(value) : !list.includes(`!${value}`));
  return ok(pkg.os, target.os) && ok(pkg.cpu, target.arch) && (!pkg.libc || ok(pkg.libc, 'glibc'));
}

/** The runtime closure: name -> { dir, version, files (relative), deps }. */
function runtimeClosure(roots, target) {
  const closure = new Map();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.shift();
    if (closure.has(name)) continue;
    if (FORBIDDEN.has(name)) throw new Error(`${name} must not ship in the VSIX, but the bundle needs it; bundle or drop the code that loads it`);
    const dir = packageDir(name);
    if (!fs.existsSync(path.join(dir, 'package.json'))) {
      throw new Error(`${name} is needed at run time for ${target.os}-${target.arch} but is not installed in node_modules (run npm ci)`);
    }
    const manifest = readJson(path.join(dir, 'package.json'));
    const rule = RULES[name];
    let deps;
    if (rule) {
      deps = rule.deps;
    } else {
      const optional = Object.keys(manifest.optionalDependencies ?? {}).filter((d) => {
        const m = path.join(packageDir(d), 'package.json');
        if (fs.existsSync(m)) return matchesTarget(readJson(m), target);
        // npm installs only the host's platform packages; one named for another target cannot ship.
        if (new RegExp(`\\b${target.os}-${target.arch}\\b`).test(d)) {
          throw new Error(`${name} needs ${d} for ${target.os}-${target.arch}, which npm did not install on this ` +
            `${process.platform}-${process.arch} machine; package this target on a ${target.os}-${target.arch} machine`);
        }
        return false;
      });
      deps = [...Object.keys(manifest.dependencies ?? {}), ...optional];
    }
    const all = listFiles(dir);
    const files = rule
      ? all.filter((f) => rule.files(target).some((re) => re.test(f)))
      : all.filter((f) => !GENERIC_SKIP.test(f) || /^LICENSE/i.test(path.basename(f)));
    closure.set(name, { dir, version: manifest.version, files, deps });
    queue.push(...deps);
  }
  return closure;
}

function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...listFiles(dir, rel));
    } else if (entry.isFile()) {
      out.push(rel);
    }
  }
  return out;
}

/** Copies a package's selected files; its manifest keeps only the dependencies we ship, and no scripts. */
function stagePackage(stage, name, info, shipped) {
  const dest = path.join(stage, 'node_modules', ...name.split('/'));
  for (const rel of info.files) {
    const to = path.join(dest, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (rel === 'package.json') {
      const m = readJson(path.join(info.dir, rel));
      const keep = (deps) => deps && Object.fromEntries(Object.entries(deps).filter(([d]) => info.deps.includes(d) && shipped.has(d)));
      m.dependencies = keep(m.dependencies);
      m.optionalDependencies = keep(m.optionalDependencies);
      delete m.devDependencies;
      delete m.peerDependencies;
      delete m.scripts;
      fs.writeFileSync(to, JSON.stringify(m, null, 2) + '\n');
    } else {
      fs.copyFileSync(path.join(info.dir, rel), to);
      fs.chmodSync(to, fs.statSync(path.join(info.dir, rel)).mode);
    }
  }
}

/** Repo files that .vscodeignore lets into a package (README, LICENSE, media/, ...), except dist/ which is rebuilt. */
async function repoFiles(vsce) {
  const files = await vsce.listFiles({ cwd: ROOT, packageManager: vsce.PackageManager.None });
  return files.filter((f) => !f.startsWith('dist/') && f !== 'package.json');
}

async function packageVsix({ target: targetName, out, keepStage = false }) {
  const target = TARGETS[targetName];
  const vsce = require('@vscode/vsce');
  const manifest = readJson(path.join(ROOT, 'package.json'));
  const outFile = path.resolve(out ?? path.join(ROOT, `${manifest.name}-${targetName}-${manifest.version}.vsix`));
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-vsix-'));
  try {
    const build = spawnSync(process.execPath, [path.join(ROOT, 'esbuild.js'), '--production', `--outdir=${path.join(stage, 'dist')}`], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (build.status !== 0) throw new Error(`production build failed (exit ${build.status})`);
    for (const rel of await repoFiles(vsce)) {
      const to = path.join(stage, rel);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(path.join(ROOT, rel), to);
    }
    if (fs.existsSync(path.join(ROOT, '.vscodeignore'))) fs.copyFileSync(path.join(ROOT, '.vscodeignore'), path.join(stage, '.vscodeignore'));

    const roots = new Set([...BASELINE, ...externalRequires(path.join(stage, 'dist'))]);
    const closure = runtimeClosure(roots, target);
    const shipped = new Set(closure.keys());
    for (const [name, info] of closure) stagePackage(stage, name, info, shipped);

    const staged = { ...manifest };
    staged.dependencies = Object.fromEntries([...closure].filter(([n]) => roots.has(n)).map(([n, i]) => [n, i.version]));
    delete staged.devDependencies;
    delete staged.scripts; // vsce would run vscode:prepublish; the build above is the production build
    delete staged.allowScripts;
    fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(staged, null, 2) + '\n');

    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    await vsce.createVSIX({
      cwd: stage,
      packagePath: outFile,
      target: targetName,
      allowMissingRepository: true,
      skipLicense: true,
    });
    const entries = listVsix(outFile);
    assertPlatformOnly(entries, target);
    return { vsix: outFile, packages: [...shipped], entries };
  } finally {
    if (keepStage) console.log(`staging folder kept: ${stage}`);
    else fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** The file names inside a VSIX (a zip), read from its central directory. */
function listVsix(file) {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip archive`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: corrupt central directory`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

/** Fails if the VSIX holds onnxruntime-web or another platform's onnxruntime binaries. */
function assertPlatformOnly(entries, target) {
  const own = `extension/node_modules/onnxruntime-node/bin/napi-v6/${target.os}/${target.arch}/`;
  const bad = entries.filter((e) =>
    e.startsWith('extension/node_modules/onnxruntime-web/') ||
    (e.startsWith('extension/node_modules/onnxruntime-node/bin/') && !e.startsWith(own)));
  if (bad.length) throw new Error(`VSIX holds files it must not:\n  ${bad.slice(0, 20).join('\n  ')}`);
  if (!entries.some((e) => e.startsWith(own) && e.endsWith('onnxruntime_binding.node'))) {
    throw new Error(`VSIX lacks ${own}onnxruntime_binding.node`);
  }
}

module.exports = { packageVsix, listVsix, assertPlatformOnly, TARGETS };

if (require.main === module) {
  (async () => {
    const args = parseArgs(process.argv.slice(2));
    const { vsix, packages } = await packageVsix(args);
    console.log(`VSIX for ${args.target}: ${vsix} (runtime packages: ${packages.join(', ')})`);
  })().catch((e) => {
    console.error(`package: ${e.message}`);
    process.exit(1);
  });
}
