'use strict';

// Library lookup and the ABI check run once per process, so each case runs in a child.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ward = require('..');

const PACKAGE_DIR = path.resolve(__dirname, '..');

/** Runs `script` in a fresh node with the given environment changes; returns its JSON output. */
function inChild(script, env) {
  const childEnv = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete childEnv[name];
  const run = spawnSync(
    process.execPath,
    [
      '-e',
      `const ward = require(${JSON.stringify(PACKAGE_DIR)});
       let result;
       try { result = { value: (${script})() }; }
       catch (err) { result = { error: { name: err.name, code: err.code, message: err.message } }; }
       process.stdout.write(JSON.stringify(result));`,
    ],
    { env: childEnv, encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

/** A library exporting ward_abi_version() == 2: from CMake, or compiled here with cc. */
function fakeAbiLibrary() {
  if (process.env.WARD_FAKE_ABI_LIBRARY) return process.env.WARD_FAKE_ABI_LIBRARY;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-node-'));
  const output = path.join(dir, 'libfakeward.so');
  const compiler = process.env.CC || 'cc';
  const build = spawnSync(compiler, ['-shared', '-fPIC', '-o', output, path.join(__dirname, 'fake_abi.c')]);
  return build.status === 0 ? output : null;
}

describe('loading the library', () => {
  it('implements the ABI this binding was written for', () => {
    assert.equal(ward.ABI_VERSION, 1);
    assert.equal(ward.abiVersion(), 1);
    assert.match(ward.version(), /^\d+\.\d+\.\d+$/);
  });

  it('refuses a library with another ABI version, clearly', (t) => {
    const fake = fakeAbiLibrary();
    if (!fake) {
      t.skip('no C compiler to build the fake library (set WARD_FAKE_ABI_LIBRARY)');
      return;
    }
    const result = inChild('() => new ward.AppBuilder()', { WARD_LIBRARY: fake });
    assert.ok(result.error, 'loading must fail');
    assert.equal(result.error.name, 'WardError');
    assert.equal(result.error.code, ward.Status.ABI_MISMATCH);
    assert.match(result.error.message, /ABI version 2/);
    assert.match(result.error.message, /needs ABI version 1/);
  });

  it('names what it tried when WARD_LIBRARY points nowhere', () => {
    const missing = path.join(os.tmpdir(), 'no-such-dir', 'libward.so.1');
    const result = inChild('() => new ward.AppBuilder()', { WARD_LIBRARY: missing });
    assert.ok(result.error);
    assert.match(result.error.message, /cannot load the ward C library/);
    assert.ok(result.error.message.includes(missing), result.error.message);
  });

  it('can be required without loading the library', () => {
    const result = inChild('() => Object.keys(ward).sort()', { WARD_LIBRARY: '/nonexistent/libward.so.1' });
    assert.ok(result.value.includes('AppBuilder') && result.value.includes('Status'));
  });

  it('finds the library in a build tree when WARD_LIBRARY is unset', (t) => {
    const { candidateLibraries, SONAME } = require('../lib/native');
    const saved = process.env.WARD_LIBRARY;
    delete process.env.WARD_LIBRARY;
    let candidates;
    try {
      candidates = candidateLibraries();
    } finally {
      if (saved !== undefined) process.env.WARD_LIBRARY = saved;
    }
    assert.equal(candidates.at(-1), SONAME, 'the system loader is the last resort');
    if (candidates.length === 1) {
      t.skip('no build tree above the package');
      return;
    }
    // Other build trees may be relinked while this runs (parallel builds), which changes which one
    // is newest or makes one unloadable for a moment: what matters is that a build tree was used.
    const nativeModule = JSON.stringify(path.join(PACKAGE_DIR, 'lib', 'native'));
    const result = inChild(
      `() => {
        const before = require(${nativeModule}).candidateLibraries();
        const loaded = ward.libraryPath();
        const after = require(${nativeModule}).candidateLibraries();
        return { loaded, candidates: [...before, ...after] };
      }`,
      { WARD_LIBRARY: undefined },
    );
    assert.ok(result.value, JSON.stringify(result));
    const { loaded, candidates: seenByChild } = result.value;
    assert.notEqual(loaded, SONAME, 'a build tree was found');
    assert.ok(seenByChild.includes(loaded), `${loaded} is one of ${seenByChild}`);
    assert.match(loaded, /[\\/]build[\\/][^\\/]+[\\/]capi[\\/]libward\.so\.1$/);
  });
});
