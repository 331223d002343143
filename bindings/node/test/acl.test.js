'use strict';

// Access control through the binding: ward denies every command no capability grants.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { AppBuilder, WardError, Status } = require('..');
const handles = require('../lib/handles');
const { tauriRequest, tauriMessage, allowPermission } = require('./helpers');

const DENIED_GREET = 'Command greet not allowed by ACL';

/** A request for `command` from `window` (its webview has the same label) and `origin`. */
function from(app, command, { window = 'main', webview = window, origin = 'tauri://localhost', payload = {} } = {}) {
  return { ...tauriRequest(app, command, payload), window, webview, origin };
}

function assertDenied(response, command = 'greet') {
  assert.equal(response.ok, false, response.text());
  assert.equal(response.code, Status.NOT_ALLOWED);
  assert.equal(response.status, 'not_allowed');
  assert.equal(response.contentType, 'application/json');
  assert.equal(response.json(), `Command ${command} not allowed by ACL`);
}

/** A temporary directory laid out as a Tauri app's src-tauri/ ACL files; removed after the test. */
function aclDirectory(t, files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-node-acl-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const FS_MANIFEST = `
[[permission]]
identifier = "read-app-data"
description = "Reads files under $APPDATA"
commands.allow = ["read_file"]

[[permission.scope.allow]]
path = "$APPDATA/*"

[[permission.scope.deny]]
path = "$APPDATA/secret"
`;

describe('default deny', () => {
  it('denies every command when no capability grants it, without running the handler', async () => {
    let runs = 0;
    const app = new AppBuilder().command('greet', () => ++runs).build();
    try {
      assertDenied(app.invoke(tauriRequest(app, 'greet', {})));
      assertDenied(await app.invokeAsync(tauriRequest(app, 'greet', {})));
      assertDenied(app.invokeMessage(tauriMessage(app, 'greet', {})));
      assertDenied(await app.invokeMessageAsync(tauriMessage(app, 'greet', {})));
      assert.equal(runs, 0, 'the handler never ran');
    } finally {
      app.close();
    }
  });

  it('still answers an unknown command as unknown, and checks the invoke key first', () => {
    const app = new AppBuilder().command('greet', () => 1).build();
    try {
      const unknown = app.invoke(tauriRequest(app, 'nope', {}));
      assert.equal(unknown.code, Status.UNKNOWN_COMMAND);
      assert.equal(unknown.json(), 'Command nope not found');
      assert.equal(app.invoke(tauriRequest(app, 'greet', {}, { key: 'wrong' })).code, Status.INVALID_INVOKE_KEY);
    } finally {
      app.close();
    }
  });

  it('grants only the commands a capability names', () => {
    const app = new AppBuilder()
      .command('greet', () => 'hi')
      .command('delete_everything', () => 'gone')
      .capability({ identifier: 'main', windows: ['main'], permissions: ['allow-greet'] })
      .build();
    try {
      assert.equal(app.invoke(from(app, 'greet')).json(), 'hi');
      assertDenied(app.invoke(from(app, 'delete_everything')), 'delete_everything');
    } finally {
      app.close();
    }
  });

  it('lets a deny permission win over an allow', () => {
    const app = new AppBuilder()
      .command('greet', () => 'hi')
      .capability({ identifier: 'main', windows: ['*'], permissions: ['allow-greet'] })
      .capability({ identifier: 'lockdown', windows: ['kiosk'], permissions: ['deny-greet'] })
      .build();
    try {
      assert.equal(app.invoke(from(app, 'greet', { window: 'main' })).json(), 'hi');
      assertDenied(app.invoke(from(app, 'greet', { window: 'kiosk' })));
    } finally {
      app.close();
    }
  });
});

describe('a capability for window "main"', () => {
  let app;
  const audits = [];
  const logs = [];
  let runs = 0;

  before(() => {
    app = new AppBuilder({ audit: (denial) => audits.push(denial), log: (entry) => logs.push(entry) })
      .command('greet', ({ name }) => {
        runs += 1;
        return `Hello, ${name}!`;
      })
      .command('set_title', () => null)
      .capability(
        JSON.stringify({
          $schema: '../gen/schemas/desktop-schema.json',
          identifier: 'main-capability',
          description: 'what the main window may do',
          windows: ['main'],
          permissions: ['allow-greet', 'allow-set-title'],
        }),
        { name: 'capabilities/main.json' },
      )
      .build();
  });

  after(() => app.close());

  it('allows its commands from that window', () => {
    const response = app.invoke(from(app, 'greet', { payload: { name: 'main' } }));
    assert.equal(response.ok, true, response.text());
    assert.equal(response.json(), 'Hello, main!');
    assert.equal(app.invoke(from(app, 'set_title')).ok, true, 'set_title is granted as allow-set-title');
  });

  it('denies them from any other window, and from a page that is not the app', () => {
    const before = runs;
    assertDenied(app.invoke(from(app, 'greet', { window: 'settings' })));
    assertDenied(app.invoke(from(app, 'greet', { window: 'main-2' })));
    assertDenied(app.invoke(from(app, 'greet', { origin: 'https://evil.example' })));
    assertDenied(app.invoke(from(app, 'greet', { origin: 'http://tauri.localhost.evil.com' })));
    assert.equal(runs, before, 'no denied request reached the handler');
  });

  it('reports each denial to the audit callback, and nothing else', () => {
    audits.length = 0;
    app.invoke(from(app, 'greet', { payload: { name: 'allowed' } }));
    app.invoke(from(app, 'nope'));
    assertDenied(app.invoke(from(app, 'greet', { window: 'settings', webview: 'settings-view' })));
    assert.equal(audits.length, 1, JSON.stringify(audits));
    const [denial] = audits;
    assert.deepEqual(Object.keys(denial).sort(), ['command', 'invokeId', 'origin', 'webview', 'window']);
    assert.equal(denial.command, 'greet');
    assert.equal(denial.window, 'settings');
    assert.equal(denial.webview, 'settings-view');
    assert.equal(denial.origin, 'tauri://localhost');
    assert.ok(Number.isSafeInteger(denial.invokeId) && denial.invokeId > 0, `invokeId ${denial.invokeId}`);

    assertDenied(app.invokeMessage({ ...tauriMessage(app, 'greet', {}), window: 'other', webview: 'other' }));
    assert.equal(audits.length, 2);
    assert.equal(audits[1].window, 'other');
    assert.notEqual(audits[1].invokeId, denial.invokeId);
  });

  it('explains a denial: the near miss and what would allow it', () => {
    const explanation = app.explain({ command: 'greet', window: 'settings', origin: 'tauri://localhost' });
    assert.equal(explanation.command, 'greet');
    assert.equal(explanation.window, 'settings');
    assert.equal(explanation.webview, 'settings', 'webview defaults to the window label');
    assert.equal(explanation.origin, 'tauri://localhost');
    assert.equal(explanation.origin_kind, 'local');
    assert.equal(explanation.decision, 'denied');
    assert.match(explanation.reason, /default deny/);
    assert.deepEqual(explanation.allowed_by, []);
    assert.deepEqual(explanation.denied_by, []);
    assert.equal(explanation.near_misses.length, 1);
    const [miss] = explanation.near_misses;
    assert.equal(miss.capability, 'main-capability');
    assert.equal(miss.permission, 'allow-greet');
    assert.equal(miss.file, 'capabilities/main.json');
    assert.deepEqual(miss.windows, ['main']);
    assert.deepEqual(miss.mismatch, ['window_or_webview']);
    assert.ok(
      explanation.to_allow.some((hint) => hint.includes('add window `settings`') && hint.includes('main-capability')),
      JSON.stringify(explanation.to_allow),
    );
  });

  it('explains an allowed request: which capability, file and permission granted it', () => {
    const explanation = app.explain({ command: 'greet', window: 'main', webview: 'main', origin: 'tauri://localhost' });
    assert.equal(explanation.decision, 'allowed');
    assert.equal(explanation.allowed_by.length, 1);
    assert.equal(explanation.allowed_by[0].capability, 'main-capability');
    assert.equal(explanation.allowed_by[0].file, 'capabilities/main.json');
    assert.equal(explanation.allowed_by[0].entry, 'allow-greet');
    assert.deepEqual(explanation.to_allow, []);

    const remote = app.explain({ command: 'greet', window: 'main', origin: 'https://evil.example' });
    assert.equal(remote.origin_kind, 'remote');
    assert.equal(remote.decision, 'denied');
    const unknown = app.explain({ command: 'nope', window: 'main', origin: 'tauri://localhost' });
    assert.equal(unknown.decision, 'denied');
    assert.match(unknown.reason, /no capability grants this command/);
  });

  it('refuses bad explain() arguments', () => {
    assert.throws(() => app.explain(), TypeError);
    assert.throws(() => app.explain({ window: 'main' }), /request\.command/);
  });

  it('gives the resolved policy as JSON', () => {
    const resolved = app.resolvedAcl();
    assert.deepEqual(Object.keys(resolved).sort(), ['allowed_commands', 'denied_commands', 'global_scope']);
    assert.deepEqual(Object.keys(resolved.allowed_commands).sort(), ['greet', 'set_title']);
    assert.deepEqual(resolved.allowed_commands.greet, [
      { context: 'local', windows: ['main'], webviews: [], scope: null },
    ]);
    assert.deepEqual(resolved.denied_commands, {});
  });

  it('keeps the denial even if the audit callback throws, and logs the failure', () => {
    const failing = new AppBuilder({
      audit: () => {
        throw new Error('audit store offline');
      },
      log: (entry) => logs.push(entry),
    })
      .command('greet', () => 'hi')
      .build();
    try {
      logs.length = 0;
      assertDenied(failing.invoke(tauriRequest(failing, 'greet', {})));
      const entry = logs.find((e) => e.detail.includes('audit store offline'));
      assert.ok(entry, JSON.stringify(logs));
      assert.equal(entry.level, 'error');
      assert.match(entry.message, /audit callback threw/);
    } finally {
      failing.close();
    }
  });
});

describe('remote pages', () => {
  it('grants a remote URL capability only to pages from that URL', () => {
    const app = new AppBuilder()
      .command('greet', () => 'hi')
      .capability({
        identifier: 'docs-site',
        windows: ['main'],
        local: false,
        remote: { urls: ['https://tauri.app'] },
        permissions: ['allow-greet'],
      })
      .build();
    try {
      assert.equal(app.invoke(from(app, 'greet', { origin: 'https://tauri.app' })).json(), 'hi');
      assert.equal(app.invoke(from(app, 'greet', { origin: 'https://tauri.app/guides/' })).json(), 'hi');
      assertDenied(app.invoke(from(app, 'greet', { origin: 'https://tauri.app.evil.com' })));
      assertDenied(app.invoke(from(app, 'greet', { origin: 'http://tauri.app' })));
      assertDenied(app.invoke(from(app, 'greet', { origin: 'tauri://localhost' })));
      assert.equal(app.explain({ command: 'greet', window: 'main', origin: 'https://tauri.app' }).decision, 'allowed');
    } finally {
      app.close();
    }
  });

  it('treats exactly the configured appOrigins as the local app', () => {
    const app = new AppBuilder({ appOrigins: ['app://main', 'http://localhost:1420'] })
      .command('greet', () => 'hi')
      .capability({ identifier: 'main', windows: ['main'], permissions: ['allow-greet'] })
      .build();
    try {
      assert.equal(app.invoke(from(app, 'greet', { origin: 'app://main/index.html' })).json(), 'hi');
      assert.equal(app.invoke(from(app, 'greet', { origin: 'http://localhost:1420/' })).json(), 'hi');
      assertDenied(app.invoke(from(app, 'greet', { origin: 'http://localhost:1421/' })));
      // No longer an app origin once appOrigins replaced the defaults.
      assertDenied(app.invoke(from(app, 'greet', { origin: 'tauri://localhost' })));
    } finally {
      app.close();
    }
  });
});

describe('capabilities added at run time', () => {
  it('take effect for the next request', () => {
    const app = new AppBuilder()
      .command('greet', () => 'hi')
      .capability({ identifier: 'main', windows: ['main'], permissions: ['allow-greet'] })
      .build();
    try {
      assertDenied(app.invoke(from(app, 'greet', { window: 'settings' })));
      const settings = 'identifier = "settings"\nwindows = ["settings"]\npermissions = ["allow-greet"]\n';
      const returned = app.addCapability(settings);
      assert.equal(returned, app);
      assert.equal(app.invoke(from(app, 'greet', { window: 'settings' })).json(), 'hi');
      assert.equal(app.invoke(from(app, 'greet', { window: 'main' })).json(), 'hi', 'the first capability still holds');
      assertDenied(app.invoke(from(app, 'greet', { window: 'about' })));
    } finally {
      app.close();
    }
  });

  it('leave the policy unchanged when invalid, and say which file is wrong', () => {
    const app = new AppBuilder().command('greet', () => 'hi').build();
    try {
      assert.throws(
        () =>
          app.addCapability(
            { identifier: 'broken', windows: ['main'], permissions: ['allow-greet', 'nope'] },
            { name: 'capabilities/broken.json' },
          ),
        (err) => {
          assert.ok(err instanceof WardError);
          assert.equal(err.code, Status.INVALID_ARGUMENT);
          assert.match(err.message, /capabilities\/broken\.json: \/permissions\/1: unknown permission `nope`/);
          return true;
        },
      );
      // Not even the valid part (allow-greet) of the broken capability was applied.
      assertDenied(app.invoke(from(app, 'greet')));
      assert.throws(() => app.addCapability('identifier = ', { name: 'late.toml' }), /late\.toml/);
    } finally {
      app.close();
    }
  });

  it('are refused by a closed app', () => {
    const app = new AppBuilder().build();
    app.close();
    assert.throws(() => app.addCapability({ identifier: 'x', windows: ['main'], permissions: [] }), /closed/);
    assert.throws(() => app.explain({ command: 'greet', window: 'main', origin: 'tauri://localhost' }), /closed/);
    assert.throws(() => app.resolvedAcl(), /closed/);
  });
});

describe('scopes', () => {
  let app;

  before(() => {
    app = new AppBuilder()
      .command('plugin:fs|read_file', (args, ctx) => ctx.scopes)
      .command('plugin:fs|read_file_later', async (args, ctx) => {
        await sleep(5);
        return ctx.scopes; // copied before the await
      })
      .command('plugin:fs|stat', (args, ctx) => ctx.scopes)
      .permissions('fs', FS_MANIFEST, { name: 'permissions/fs/default.toml' })
      .permissions(
        'fs',
        {
          permission: [{ identifier: 'read-later', commands: { allow: ['read_file_later'] } }],
        },
        { name: 'permissions/fs/later.json' },
      )
      .capability({
        identifier: 'main',
        windows: ['main'],
        permissions: [
          // The plugin's permission, plus an extra scope entry of this capability's own.
          {
            identifier: 'fs:read-app-data',
            allow: [{ path: '$HOME/notes/*' }],
            deny: [{ path: '$HOME/notes/private' }],
          },
          { identifier: 'fs:read-later', allow: [{ path: '$DOCUMENT/*' }] },
          allowPermission('plugin:fs|stat'),
        ],
      })
      .build();
  });

  after(() => app.close());

  it('reach the handler: the entry scope and the permission scope', () => {
    const response = app.invoke(from(app, 'plugin:fs|read_file'));
    assert.equal(response.ok, true, response.text());
    assert.deepEqual(response.json(), {
      allow: [{ path: '$HOME/notes/*' }, { path: '$APPDATA/*' }],
      deny: [{ path: '$HOME/notes/private' }, { path: '$APPDATA/secret' }],
      global_allow: [],
      global_deny: [],
    });
  });

  it('stay readable after an await', async () => {
    const response = await app.invokeAsync(from(app, 'plugin:fs|read_file_later'));
    assert.equal(response.ok, true, response.text());
    assert.deepEqual(response.json(), {
      allow: [{ path: '$DOCUMENT/*' }],
      deny: [],
      global_allow: [],
      global_deny: [],
    });
  });

  it('are empty for a grant without a scope', () => {
    assert.deepEqual(app.invoke(from(app, 'plugin:fs|stat')).json(), {
      allow: [],
      deny: [],
      global_allow: [],
      global_deny: [],
    });
  });

  it('show in explain()', () => {
    const explanation = app.explain({ command: 'plugin:fs|read_file', window: 'main', origin: 'tauri://localhost' });
    assert.equal(explanation.decision, 'allowed');
    assert.deepEqual(explanation.scope.allow, [{ path: '$HOME/notes/*' }, { path: '$APPDATA/*' }]);
    assert.equal(explanation.allowed_by[0].permission, 'fs:read-app-data');
  });

  it('are not reachable once a synchronous handler returned', () => {
    let kept;
    const probe = new AppBuilder()
      .command('keep', (args, ctx) => {
        kept = ctx;
        return null;
      })
      .capability({ identifier: 'main', windows: ['main'], permissions: ['allow-keep'] })
      .build();
    try {
      assert.equal(probe.invoke(from(probe, 'keep')).ok, true);
      assert.throws(() => kept.scopes, /only available while the handler runs synchronously/);
    } finally {
      probe.close();
    }
  });
});

describe('building with ACL files', () => {
  it('throws from build() for a bad capability, naming the file', () => {
    const before = handles.liveCount();
    const builder = new AppBuilder({ audit: () => {}, log: () => {} })
      .command('greet', () => 'hi')
      .capability({ identifier: 'fine', windows: ['main'], permissions: ['allow-greet'] }, { name: 'fine.json' })
      .capability(
        { identifier: 'main', windows: ['main'], permissions: ['allow-gret'] }, // a typo
        { name: 'capabilities/main.json' },
      );
    assert.throws(
      () => builder.build(),
      (err) => {
        assert.ok(err instanceof WardError, String(err));
        assert.equal(err.code, Status.INVALID_ARGUMENT);
        assert.match(err.message, /capabilities\/main\.json: \/permissions\/0: unknown permission `allow-gret`/);
        return true;
      },
    );
    assert.throws(() => builder.build(), /already built/, 'build() consumed the builder');
    assert.equal(handles.liveCount(), before, 'the handler, log and audit handles were released');
  });

  it('throws from build() for a capability that is not valid TOML or JSON', () => {
    assert.throws(
      () => new AppBuilder().capability('identifier = "main"\nwindows = [', { name: 'capabilities/main.toml' }).build(),
      /capabilities\/main\.toml: line 2/,
    );
    assert.throws(() => new AppBuilder().capability('{"identifier": ', { name: 'main.json' }).build(), /main\.json/);
  });

  it('names capabilities given without a name by their identifier', () => {
    assert.throws(
      () => new AppBuilder().capability({ identifier: 'main', windows: ['main'], permissions: ['nope'] }).build(),
      /main\.json: \/permissions\/0/,
    );
  });

  it('refuses unknown fields unless aclStrict is false, then logs them', () => {
    const capability = { identifier: 'main', windows: ['main'], permissions: ['allow-greet'], windws: ['x'] };
    assert.throws(
      () => new AppBuilder().command('greet', () => 'hi').capability(capability).build(),
      /main\.json: \/windws: unknown field `windws`/,
    );
    const logs = [];
    const app = new AppBuilder({ aclStrict: false, log: (entry) => logs.push(entry) })
      .command('greet', () => 'hi')
      .capability(capability)
      .build();
    try {
      assert.equal(app.invoke(from(app, 'greet')).json(), 'hi');
      const warning = logs.find((e) => `${e.message} ${e.detail}`.includes('unknown field `windws`'));
      assert.ok(warning, JSON.stringify(logs));
      assert.equal(warning.level, 'warn');
    } finally {
      app.close();
    }
  });

  it('resolves platform-specific capabilities for aclPlatform', () => {
    const capability = { identifier: 'mac', windows: ['main'], platforms: ['macOS'], permissions: ['allow-greet'] };
    for (const [platform, allowed] of [['macos', true], ['linux', false], ['windows', false]]) {
      const app = new AppBuilder({ aclPlatform: platform }).command('greet', () => 'hi').capability(capability).build();
      try {
        assert.equal(app.invoke(from(app, 'greet')).ok, allowed, platform);
      } finally {
        app.close();
      }
    }
    assert.throws(
      () => new AppBuilder({ aclPlatform: 'beos' }),
      (err) => err instanceof WardError && err.code === Status.INVALID_ARGUMENT && /beos/.test(err.message),
    );
  });

  it('loads a Tauri ACL directory', (t) => {
    const dir = aclDirectory(t, {
      'capabilities/main.json': JSON.stringify({
        identifier: 'main',
        windows: ['main'],
        permissions: ['allow-greet', 'fs:read-app-data'],
      }),
      'capabilities/settings.toml': 'identifier = "settings"\nwindows = ["settings"]\npermissions = ["allow-greet"]\n',
      'permissions/fs/default.toml': FS_MANIFEST,
      'permissions/fs/schemas/schema.json': '{"not": "a manifest"}',
      'permissions/app/greeting.toml':
        '[[permission]]\nidentifier = "greeting"\ncommands.allow = ["greet"]\n',
    });
    const app = new AppBuilder()
      .command('greet', () => 'hi')
      .command('plugin:fs|read_file', (args, ctx) => ctx.scopes.allow)
      .loadAclDirectory(dir)
      .build();
    try {
      assert.equal(app.invoke(from(app, 'greet', { window: 'main' })).json(), 'hi');
      assert.equal(app.invoke(from(app, 'greet', { window: 'settings' })).json(), 'hi');
      assertDenied(app.invoke(from(app, 'greet', { window: 'about' })));
      assert.deepEqual(app.invoke(from(app, 'plugin:fs|read_file')).json(), [{ path: '$APPDATA/*' }]);
      assertDenied(app.invoke(from(app, 'plugin:fs|read_file', { window: 'settings' })), 'plugin:fs|read_file');
      const explanation = app.explain({ command: 'greet', window: 'settings', origin: 'tauri://localhost' });
      assert.equal(explanation.allowed_by[0].file, path.join(dir, 'capabilities', 'settings.toml'));
    } finally {
      app.close();
    }
  });

  it('fails at once for a directory that cannot be read', () => {
    const missing = path.join(os.tmpdir(), 'ward-no-such-acl-dir');
    assert.throws(
      () => new AppBuilder().loadAclDirectory(missing),
      (err) => err instanceof WardError && err.message.includes(missing),
    );
  });

  it('validates its arguments', () => {
    const builder = new AppBuilder();
    assert.throws(() => builder.capability(42), TypeError);
    assert.throws(() => builder.capability(null), TypeError);
    assert.throws(() => builder.capability('{}', { format: 'yaml' }), /'json' or 'toml'/);
    assert.throws(() => builder.capability({ identifier: 'x' }, { format: 'toml' }), /object is JSON/);
    assert.throws(() => builder.capability('{}', { name: 7 }), TypeError);
    assert.throws(() => builder.permissions('fs', undefined), TypeError);
    assert.throws(() => builder.loadAclDirectory(''), TypeError);
    assert.throws(() => new AppBuilder({ audit: 'yes' }), TypeError);
    assert.throws(() => new AppBuilder({ appOrigins: 'tauri://localhost' }), TypeError);
    assert.throws(() => new AppBuilder({ aclPlatform: 1 }), TypeError);
    assert.throws(() => new AppBuilder({ aclStrict: 'no' }), TypeError);
    builder.build().close();
  });

  it('guesses the format from the name, then from the text', () => {
    const toml = 'identifier = "main"\nwindows = ["main"]\npermissions = ["allow-greet"]\n';
    const json = JSON.stringify({ identifier: 'main', windows: ['main'], permissions: ['allow-greet'] });
    for (const [text, options] of [[toml, {}], [json, {}], [toml, { name: 'x.toml' }], [json, { name: 'x.JSON' }],
      [Buffer.from(json), {}], [toml, { name: 'no-extension', format: 'toml' }]]) {
      const app = new AppBuilder().command('greet', () => 'hi').capability(text, options).build();
      try {
        assert.equal(app.invoke(from(app, 'greet')).json(), 'hi', `${JSON.stringify(options)} ${text}`);
      } finally {
        app.close();
      }
    }
  });

  it('releases the audit handle with the app', () => {
    const before = handles.liveCount();
    const app = new AppBuilder({ audit: () => {} }).command('greet', () => 1).build();
    assert.equal(handles.liveCount(), before + 2, 'the command and the audit callback');
    app.close();
    assert.equal(handles.liveCount(), before);
  });
});
